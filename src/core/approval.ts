/**
 * Who must agree before a step runs:
 * - `none`: whoever asks runs it at once (they still need the role): `/run` of a `confirm: false` action, `/backup now`;
 * - `one`: a confirmation card, pressed by the requester or anyone else with the role;
 * - `second-person`: a card someone other than the requester (with the role) must press (restores).
 */
export type Approval = 'none' | 'one' | 'second-person';

/** A plan's approval; absent means `one`, and "self" is how plans stored by older versions say `one`. */
export function approvalOf(plan: { approval?: Approval | 'self' }): Approval {
  return plan.approval === 'none' || plan.approval === 'second-person' ? plan.approval : 'one';
}
