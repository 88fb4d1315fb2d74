// Preload (node --import) that appends every module URL the process resolves to $RECORD_IMPORTS_FILE:
// lets a test see which libraries a CLI command loaded, without timing anything.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, { data: { file: process.env.RECORD_IMPORTS_FILE } });
