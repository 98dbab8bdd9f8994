import type { CommandModule } from '../program.js';
import report from './ownstack/report.js';
import set from './ownstack/set.js';
import ownstackHelp from './ownstack/help.js';

// Every command module, in help order. Add a module's default export here.
export const COMMANDS: CommandModule[] = [ownstackHelp, report, set];
