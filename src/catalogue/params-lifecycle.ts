// CI lifecycle parameters (not in the Ansible module): waiting for the guest, cleanup, id ranges, dry runs, pruning.
import type { Param } from './types.js';

export const lifecycleParams: Param[] = [
  {
    name: 'wait_for', kind: 'enum', group: 'lifecycle', choices: ['none', 'agent', 'ip'], default: 'none',
    doc: 'After the VM is running, wait until the guest agent answers (`agent`) or reports an IP address (`ip`; see `ip_family` and `ip_cidr`). Needs the guest agent enabled (`agent`).',
    example: 'ip',
  },
  {
    name: 'wait_timeout', kind: 'int', group: 'lifecycle', default: '300', min: 1,
    doc: 'Seconds to wait for `wait_for`.', example: '600',
  },
  {
    name: 'ip_family', kind: 'enum', group: 'lifecycle', choices: ['ipv4', 'ipv6', 'any'], default: 'any',
    doc: 'Address family `wait_for: ip` waits for and the `ip` output reports. Loopback and link-local addresses are never used.',
    example: 'ipv4',
  },
  {
    name: 'ip_cidr', kind: 'string', group: 'lifecycle', check: 'cidr',
    doc: 'Only accept guest addresses inside this network (for `wait_for: ip` and the `ip` output).', example: '10.0.0.0/8',
  },
  {
    name: 'cleanup', kind: 'enum', group: 'lifecycle', choices: ['never', 'always', 'on-failure'], default: 'never',
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
    doc: 'With `state: absent`, destroy every VM matching `prune_tags` and/or older than `prune_older_than` instead of one VM (sweeps up leftovers of earlier runs): stopped hard, then destroyed with `purge` and `destroy-unreferenced-disks`. Only VMs of finished workflow runs: with `github_token`, a VM tagged with a run of this repository (see `ci_tags`) is kept while GitHub reports the run not completed; any other VM (other repository, unknown run, no run tag, no token) is judged by `prune_older_than` alone. Templates, protected VMs, locked VMs (unless `skiplock`) and the current run\'s VMs are skipped. With `dry_run`, only lists them (`pruned` output).',
    example: 'true',
  },
  {
    name: 'prune_tags', kind: 'list', group: 'lifecycle', check: 'tag',
    doc: 'With `prune`, only VMs carrying all these tags (e.g. `gh-ci` for every VM this action tagged, see `ci_tags`).', example: 'ci,ephemeral',
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
    name: 'github_token', kind: 'secret', group: 'lifecycle', secret: true,
    doc: 'GitHub token for the action\'s own GitHub API calls; pass `${{ github.token }}`. Never logged.',
    example: '${{ github.token }}',
  },
];
