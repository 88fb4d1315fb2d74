// PLANTED to show the architecture test fails; removed in the next commit.
import type { PlantedA } from './planted-cycle-a.js';
export interface PlantedB { a: PlantedA }
