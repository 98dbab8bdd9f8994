import type { CommandModule } from '../program.js';
import report from './ownstack/report.js';
import set from './ownstack/set.js';
import history from './ownstack/history.js';
import info from './ownstack/info.js';
import deployLog from './ownstack/deploy-log.js';
import rollback from './ownstack/rollback.js';
import rebuild from './ownstack/rebuild.js';
import gitSync from './ownstack/git-sync.js';
import deployImage from './ownstack/deploy-image.js';
import version from './ownstack/version.js';
import stacksAdd from './stacks/add.js';
import stacksRemove from './stacks/remove.js';
import stacksList from './stacks/list.js';
import stacksCheck from './stacks/check.js';
import configPush from './ownstack/config-push.js';
import purge from './ownstack/purge.js';
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
import pipelineDiff from './pipeline/diff.js';
import pipelineSet from './pipeline/set.js';
import pipelineRollback from './pipeline/rollback.js';
import pipelineReport from './pipeline/report.js';
import pipelineApprove from './pipeline/approve.js';
import pipelineReject from './pipeline/reject.js';
import pipelineRequests from './pipeline/requests.js';
import reviewAppsHelp from './review-apps/help.js';
import reviewAppsCreate from './review-apps/create.js';
import reviewAppsDestroy from './review-apps/destroy.js';
import reviewAppsList from './review-apps/list.js';
import reviewAppsExpire from './review-apps/expire.js';
import dashboardLogin from './dashboard/login.js';
import dashboardSessions from './dashboard/sessions.js';
import dashboardRevoke from './dashboard/revoke.js';
import dashboardServe from './dashboard/serve.js';
import dashboardEnable from './dashboard/enable.js';
import dashboardDisable from './dashboard/disable.js';
import dashboardReport from './dashboard/report.js';
import dashboardDeliveries from './dashboard/deliveries.js';

// Every command module, in help order. Add a module's default export here.
export const COMMANDS: CommandModule[] = [ownstackHelp, history, info, deployLog, report, set, rollback, rebuild, gitSync, deployImage, configPush, purge, version,
  dashboardLogin, dashboardSessions, dashboardRevoke, dashboardServe, dashboardEnable, dashboardDisable, dashboardReport, dashboardDeliveries,
  pipelineHelp, pipelineCreate, pipelineAddStaging, pipelineAdd, pipelineRemove, pipelineInfo, pipelineList, pipelineDestroy, pipelinePromote, pipelineDiff,
  pipelineRollback, pipelineReport, pipelineSet, pipelineRequests, pipelineApprove, pipelineReject,
  stacksAdd, stacksRemove, stacksList, stacksCheck,
  reviewAppsHelp, reviewAppsCreate, reviewAppsDestroy, reviewAppsList, reviewAppsExpire];
