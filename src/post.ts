// The post step: removes the VM this job's main step created, when `cleanup` asks for it
// (always, or on-failure when the main step did not finish successfully). Problems are warnings only.
import * as core from '@actions/core';
import { readSettings } from './inputs/index.js';
import { ProxmoxClient } from './proxmox/client.js';
import { waitForTask } from './proxmox/tasks.js';
import { log } from './report/log.js';
import { oneLine } from './report/text.js';

export async function run(): Promise<void> {
  const policy = core.getState('cleanup') || 'never';
  const created = core.getState('created');
  const mainOk = core.getState('main_ok') === 'true';
  if (!created || policy === 'never' || (policy === 'on-failure' && mainOk)) {
    if (created) log.info(`cleanup: ${policy}; leaving the VM in place`);
    return;
  }
  const { vmid, node, upid } = JSON.parse(created) as { vmid: number; node: string; upid?: string };
  const { settings } = readSettings((name) => core.getInput(name), process.env);
  if (!settings) {
    log.warning(`cleanup: cannot read the connection inputs; VM ${vmid} on ${node} was left behind`);
    return;
  }
  for (const v of [settings.connection.password, settings.connection.tokenSecret]) if (v) core.setSecret(v);
  const client = new ProxmoxClient(settings.connection, { onSecret: (v) => core.setSecret(v), log });
  const timeoutMs = settings.timeoutSec * 1000;
  try {
    const base = `/nodes/${node}/qemu/${vmid}`;
    if (upid) {
      // The create/clone task may still run (the main step timed out or was cancelled): it always ends, and
      // PVE keeps the VM locked until then, so wait for it rather than fail on the lock.
      try {
        await waitForTask(client, upid, { timeoutMs: Math.max(timeoutMs, 15 * 60_000), what: `create/clone of VM ${vmid}` });
      } catch (e) {
        log.info(`cleanup: the create/clone task of VM ${vmid} did not succeed (${oneLine((e as Error).message.split('\n')[0])})`);
      }
    }
    // A half-created VM still holds `lock: create`/`clone` until its task ends: wait for it to go.
    const deadline = Date.now() + timeoutMs;
    let status: { status: string; lock?: string } | undefined;
    for (let delay = 100; ; delay = Math.min(delay * 1.5, 2000)) {
      try {
        status = await client.get(`${base}/status/current`);
      } catch (e) {
        if (/does not exist/.test((e as Error).message)) {
          log.info(`cleanup: VM ${vmid} is already gone`);
          return;
        }
        throw e;
      }
      if (!status?.lock || !['create', 'clone'].includes(status.lock) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, delay));
    }
    if (status?.status === 'running') {
      const stopTask = await client.post<string>(`${base}/status/stop`, { skiplock: settings.connection.user === 'root@pam' && !settings.connection.tokenId ? 1 : undefined });
      await waitForTask(client, stopTask, { timeoutMs, what: `stop VM ${vmid}` });
    }
    const destroyTask = await client.delete<string>(base, { purge: 1, 'destroy-unreferenced-disks': 1 });
    await waitForTask(client, destroyTask, { timeoutMs, what: `destroy VM ${vmid}` });
    log.info(`cleanup: VM ${vmid} on ${node} destroyed`);
  } catch (e) {
    log.warning(`cleanup of VM ${vmid} on ${node} failed: ${(e as Error).message}`);
  } finally {
    await client.close();
  }
}
