import type { CommandModule } from '../program.js';
import report from './ownstack/report.js';
import set from './ownstack/set.js';
import history from './ownstack/history.js';
import info from './ownstack/info.js';
import deployLog from './ownstack/deploy-log.js';
import rollback from './ownstack/rollback.js';
import ownstackHelp from './ownstack/help.js';
import pipelineHelp from './pipeline/help.js';
import pipelineCreate from './pipeline/create.js';
import pipelineAddStaging from './pipeline/add-staging.js';
import pipelineAdd from './pipeline/add.js';
import pipelineRemove from './pipeline/remove.js';
import pipelineInfo from './pipeline/info.js';
import pipelineList from './pipeline/list.js';
import pipelineDestroy from './pipeline/destroy.js';
import pipelinePromote from './pipeline/promote.js';
import pipelineSet from './pipeline/set.js';
import pipelineReport from './pipeline/report.js';
import reviewAppsHelp from './review-apps/help.js';
import reviewAppsCreate from './review-apps/create.js';
import reviewAppsDestroy from './review-apps/destroy.js';
import reviewAppsList from './review-apps/list.js';
import reviewAppsExpire from './review-apps/expire.js';

// Every command module, in help order. Add a module's default export here.
export const COMMANDS: CommandModule[] = [ownstackHelp, history, info, deployLog, report, set, rollback,
  pipelineHelp, pipelineCreate, pipelineAddStaging, pipelineAdd, pipelineRemove, pipelineInfo, pipelineList, pipelineDestroy, pipelinePromote,
  pipelineSet, pipelineReport, reviewAppsHelp, reviewAppsCreate, reviewAppsDestroy, reviewAppsList, reviewAppsExpire];
