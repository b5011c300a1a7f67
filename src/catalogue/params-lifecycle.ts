// CI lifecycle parameters (not in the Ansible module): waiting for the guest, cleanup, id ranges, dry runs, pruning.
import type { Param } from './types.js';

export const WAIT_FOR_MODES = ['none', 'agent', 'ip', 'cloud-init'] as const;
export const IP_FAMILIES = ['ipv4', 'ipv6', 'any'] as const;
export const CLEANUP_POLICIES = ['never', 'always', 'on-failure'] as const;
export const PRUNE_SCOPES = ['repository', 'cluster'] as const;
export const DIAGNOSTICS_MODES = ['auto', 'always', 'never'] as const;

export const lifecycleParams: Param[] = [
  {
    name: 'wait_for', kind: 'enum', group: 'lifecycle', choices: WAIT_FOR_MODES, default: 'none',
    doc: 'After the VM is running, wait until the guest agent answers (`agent`), reports an IP address (`ip`; see `ip_family` and `ip_cidr`), or until cloud-init has finished (`cloud-init`: runs `cloud-init status --wait --long` through the agent; an `error` or `degraded` boot fails the step with cloud-init\'s message and the tail of `/var/log/cloud-init-output.log`). Needs the guest agent enabled (`agent`); `cloud-init` needs the `VM.GuestAgent.Unrestricted` privilege.',
    example: 'ip',
  },
  {
    name: 'wait_timeout', kind: 'int', group: 'lifecycle', default: '300', min: 1, max: 604800,
    doc: 'Seconds to wait for `wait_for`, at most 604800 (7 days). The same bound covers the whole guest phase: waiting, cloud-init and each `guest_exec` command (which gets what is left of it).', example: '600',
  },
  {
    name: 'ip_family', kind: 'enum', group: 'lifecycle', choices: IP_FAMILIES, default: 'any',
    doc: 'Address family `wait_for: ip` waits for and the `ip` output reports. Loopback and link-local addresses are never used.',
    example: 'ipv4',
  },
  {
    name: 'ip_cidr', kind: 'string', group: 'lifecycle', check: 'cidr',
    doc: 'Only accept guest addresses inside this network (for `wait_for: ip` and the `ip` output).', example: '10.0.0.0/8',
  },
  {
    name: 'guest_exec', kind: 'string', group: 'lifecycle', check: 'guest-exec',
    doc: 'Commands to run in the guest through the QEMU guest agent once it is ready (after `wait_for`; waits for the agent at least): one shell command per line (run as `/bin/sh -c <line>`), or a YAML list of argument lists (`- ["systemctl", "is-active", "nginx"]`), at most 64. They run in order; each one\'s exit code, stdout and stderr (the last 64 KiB of each) are logged in a group, and a non-zero exit stops the list and fails the step (see `guest_exec_allow_failure`). Needs a running VM, `agent` enabled and the `VM.GuestAgent.Unrestricted` privilege. With `dry_run`, only listed in the `plan` output.',
    example: 'systemctl is-active nginx',
  },
  {
    name: 'guest_exec_allow_failure', kind: 'bool', group: 'lifecycle', default: 'false',
    doc: 'With `guest_exec`: run every command even when one exits non-zero, and do not fail the step for it (`exec_exitcode` still reports the first failure). A command that times out or cannot be started still fails the step.',
    example: 'true',
  },
  {
    name: 'cleanup', kind: 'enum', group: 'lifecycle', choices: CLEANUP_POLICIES, default: 'never',
    doc: 'Destroy the VM this step created, in the post step at the end of the job: `always`, `on-failure` (only when this step failed or was cancelled, e.g. the guest never came up), or `never`. A VM the step did not create is never touched; cleanup problems are warnings.',
    example: 'always',
  },
  {
    name: 'vmid_range', kind: 'string', group: 'lifecycle', check: 'vmid-range',
    doc: 'Range `lower-upper` new VM ids are picked from when `vmid`/`newid` are not given (keeps CI VMs apart from others).',
    example: '10000-99999',
  },
  {
    name: 'dry_run', kind: 'bool', group: 'lifecycle', default: 'false',
    doc: 'Only plan: report what would change (the `plan` output and job summary) without changing anything.', example: 'true',
  },
  {
    name: 'prune', kind: 'bool', group: 'lifecycle', default: 'false',
    doc: 'With `state: absent`, destroy leftover VMs of earlier runs instead of one VM: stopped hard, then destroyed with `purge` and `destroy-unreferenced-disks`. Only VMs this action made and tagged (`gh-ci`, see `ci_tags`) of this repository (`gh-repo-…`; `prune_scope: cluster` widens that to every repository), carrying all `prune_tags`, older than `prune_older_than`, and of finished workflow runs: with `github_token`, a VM of a run of this repository is kept while GitHub reports the run not completed; any other VM is judged by `prune_older_than` alone. Templates, protected VMs, locked VMs (unless `skiplock`) and the current run\'s VMs are never pruned. With `dry_run`, only lists them (`pruned` output).',
    example: 'true',
  },
  {
    name: 'prune_scope', kind: 'enum', group: 'lifecycle', choices: PRUNE_SCOPES, default: 'repository',
    doc: 'With `prune`, whose leftovers may be destroyed: `repository` (VMs tagged with this repository, `gh-repo-…`) or `cluster` (every VM this action tagged `gh-ci`, from any repository sharing the cluster). VMs without the `gh-ci` tag are never pruned.',
    example: 'cluster',
  },
  {
    name: 'prune_tags', kind: 'list', group: 'lifecycle', check: 'tag',
    doc: 'With `prune`, only VMs carrying all these tags as well (e.g. `ephemeral`). A blank list is an error, not "every VM".', example: 'ci,ephemeral',
  },
  {
    name: 'prune_older_than', kind: 'string', group: 'lifecycle', check: 'duration',
    doc: 'With `prune`, only VMs created longer ago than this: a number of seconds or a duration such as `90m`, `6h`, `2d`, `1h30m`. The age comes from the `gh-ts-` tag, else from the VM\'s creation time (`meta`). Required with `prune` when no `github_token` is given.',
    example: '6h',
  },
  {
    name: 'ci_tags', kind: 'bool', group: 'lifecycle', default: 'true',
    doc: 'Under GitHub Actions, tag every VM this action creates or clones with `gh-ci`, `gh-run-<run id>`, `gh-repo-<owner>.<repo>` (lower-cased, other characters `-`) and `gh-ts-<creation unix time>`, besides `tags`, so that `prune` can find VMs whose runner died before the post step cleaned up. An update keeps these tags. `false` adds none.',
    example: 'false',
  },
  {
    name: 'github_token', kind: 'secret', group: 'lifecycle', secret: true, runnerDefault: '${{ github.token }}',
    doc: 'GitHub token for the action\'s own GitHub API calls: `prune` asks with it whether a VM\'s workflow run has finished (`GET /repos/{owner}/{repo}/actions/runs/{run_id}`), and `keep_on_failure` reads this job\'s steps with it; both need `permissions: actions: read` when the workflow or job sets `permissions:`. The job\'s own token by default; without a token, leftovers are judged by `prune_older_than` alone, and `keep_on_failure` sees only this step\'s failure.',
    example: '${{ secrets.MY_PAT }}',
  },
];

// keep_on_failure (issue 12): its own block at the end, to merge easily with other additions above.
lifecycleParams.push({
  name: 'keep_on_failure', kind: 'bool', group: 'lifecycle', default: 'false',
  doc: 'With `cleanup: always`, keep the VM instead of destroying it when any step of this job failed or was cancelled (not only this one), so that it can be inspected; the post step then says how to reach it (vmid, node, name, IP) and that a later `prune` with `prune_older_than` removes it (it keeps its `gh-ci` tags). Whether another step failed is asked of the GitHub API (the steps of this job, `GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt}/jobs`, with `github_token`; needs `permissions: actions: read` when the workflow or job sets `permissions:`); when it cannot tell (no token, refused, job not found), the VM is destroyed with a warning saying why. A failure of this step itself needs no API call. Only with `cleanup: always`: `never` keeps the VM anyway, and `on-failure` destroys exactly when this would keep, so both are input errors.',
  example: 'true',
});

// diagnostics (issue 12).
lifecycleParams.push({
  name: 'diagnostics', kind: 'enum', group: 'lifecycle', choices: DIAGNOSTICS_MODES, default: 'auto',
  doc: 'What an operator looks at first, put into a log group and the job summary: the VM\'s status and lock, its config (secrets masked) and pending changes and, when its guest agent answers, `cloud-init status --long`, the end of `/var/log/cloud-init-output.log` and `journalctl -b -p err` (read-only commands run through the agent). `auto` gathers them when the step fails on a VM it found or made, `always` after every step with a VM, `never` not at all. Never with `dry_run`.',
  example: 'always',
});
