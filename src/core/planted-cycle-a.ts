// PLANTED to show the architecture test fails; removed in the next commit.
import type { PlantedB } from './planted-cycle-b.js';
import type { AlertStore } from '../alerts/alert-store.js';
export interface PlantedA { b: PlantedB; alerts: AlertStore }
