/** Said on a result whose event the store could not take yet (see KeptRecords). */
export const NOT_RECORDED_YET = "Firebreak's database is unreachable: this result is not in the timeline yet; it is kept and recorded when the database answers";
