// The action's outputs (names and docs); the module's return values plus what CI jobs need next.
export const outputs: ReadonlyArray<{ name: string; doc: string }> = [
  { name: 'vmid', doc: 'ID of the VM acted on (of the new VM after a clone).' },
  { name: 'node', doc: 'Node the VM is on.' },
  { name: 'name', doc: 'Name of the VM.' },
  { name: 'status', doc: 'Power status of the VM after the run: `running`, `stopped`, `paused`, `hibernated`, `template`, or `absent` when it does not exist (with `dry_run`: the status before the run).' },
  { name: 'changed', doc: '`true` when the run changed anything, else `false`.' },
  { name: 'msg', doc: 'One-line summary of what happened, e.g. `VM spynal with vmid 115 deployed`.' },
  { name: 'mac', doc: 'JSON object of network devices to MAC addresses, e.g. `{"net0":"BC:24:11:3F:9A:01"}`.' },
  { name: 'devices', doc: 'JSON object of disk devices to volumes, e.g. `{"scsi0":"local-lvm:vm-115-disk-0"}`.' },
  { name: 'plan', doc: 'JSON array of the planned (with `dry_run`) or applied steps.' },
  { name: 'ip', doc: 'First guest IP address matching `ip_family`/`ip_cidr` (needs the guest agent); always a well-formed address, whatever the guest sent.' },
  { name: 'ipv4', doc: 'JSON array of the guest IPv4 addresses (no loopback).' },
  { name: 'ipv6', doc: 'JSON array of the guest IPv6 addresses (no loopback or link-local).' },
  { name: 'interfaces', doc: "JSON array of guest interfaces (at most 64, of at most 64 addresses each): name, MAC and addresses. What is not well-formed is left out; a name outside `A-Z a-z 0-9 _ . : @ -` is given as ''." },
  { name: 'pruned', doc: 'With `prune`: JSON array of the VMs destroyed (with `dry_run`: that would be), each `{vmid, node, name, tags, reason}`.' },
];
