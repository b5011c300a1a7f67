// All /nodes/{node}/qemu/** routes of the simulator, gathered for the server's router.
import type { Route } from '../core.js';
import { agentExec, agentExecStatus, agentFileRead, agentNetworkGetInterfaces, agentPing } from './agent.js';
import { cloneVm } from './clone.js';
import { getConfig, getPending, postConfig, putConfig } from './config.js';
import { createVm } from './create.js';
import { destroyVm } from './destroy.js';
import { migratePrecondition, migrateVm } from './migrate.js';
import { vmReboot, vmReset, vmResume, vmShutdown, vmStart, vmStop, vmSuspend } from './power.js';
import { createSnapshot, listSnapshots, rollbackSnapshot } from './snapshot.js';
import { listVms, statusCurrent, vmDirIndex } from './status.js';
import { createTemplate, resizeDisk } from './template.js';

export { vmConfigForOutput } from './configfile.js';

const Q = '/nodes/{node}/qemu/{vmid}';

export const qemuRoutes: Route[] = [
  { method: 'GET', template: '/nodes/{node}/qemu', handler: listVms },
  { method: 'POST', template: '/nodes/{node}/qemu', handler: createVm },
  { method: 'GET', template: Q, handler: vmDirIndex },
  { method: 'DELETE', template: Q, handler: destroyVm },
  { method: 'GET', template: `${Q}/config`, handler: getConfig },
  { method: 'PUT', template: `${Q}/config`, handler: putConfig },
  { method: 'POST', template: `${Q}/config`, handler: postConfig },
  { method: 'GET', template: `${Q}/pending`, handler: getPending },
  { method: 'GET', template: `${Q}/status/current`, handler: statusCurrent },
  { method: 'POST', template: `${Q}/status/start`, handler: vmStart },
  { method: 'POST', template: `${Q}/status/stop`, handler: vmStop },
  { method: 'POST', template: `${Q}/status/shutdown`, handler: vmShutdown },
  { method: 'POST', template: `${Q}/status/reboot`, handler: vmReboot },
  { method: 'POST', template: `${Q}/status/reset`, handler: vmReset },
  { method: 'POST', template: `${Q}/status/suspend`, handler: vmSuspend },
  { method: 'POST', template: `${Q}/status/resume`, handler: vmResume },
  { method: 'POST', template: `${Q}/clone`, handler: cloneVm },
  { method: 'POST', template: `${Q}/template`, handler: createTemplate },
  { method: 'GET', template: `${Q}/migrate`, handler: migratePrecondition },
  { method: 'POST', template: `${Q}/migrate`, handler: migrateVm },
  { method: 'PUT', template: `${Q}/resize`, handler: resizeDisk },
  { method: 'GET', template: `${Q}/snapshot`, handler: listSnapshots },
  { method: 'POST', template: `${Q}/snapshot`, handler: createSnapshot },
  { method: 'POST', template: `${Q}/snapshot/{snapname}/rollback`, handler: rollbackSnapshot },
  { method: 'GET', template: `${Q}/agent/network-get-interfaces`, handler: agentNetworkGetInterfaces },
  { method: 'POST', template: `${Q}/agent/ping`, handler: agentPing },
  { method: 'POST', template: `${Q}/agent/exec`, handler: agentExec },
  { method: 'GET', template: `${Q}/agent/exec-status`, handler: agentExecStatus },
  { method: 'GET', template: `${Q}/agent/file-read`, handler: agentFileRead },
];
