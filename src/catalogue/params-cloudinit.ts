// Cloud-init parameters: user, password, keys, DNS and per-interface IP configuration.
import { cicustomFormat, ipconfigFormat } from './formats.js';
import type { Param } from './types.js';

export const cloudInitParams: Param[] = [
  {
    name: 'cicustom', kind: 'string', group: 'cloud-init', pve: 'cicustom', format: cicustomFormat,
    doc: 'Custom cloud-init files replacing the generated ones: `[user=<volume>][,network=<volume>][,meta=<volume>][,vendor=<volume>]`.',
    example: 'user=local:snippets/user-data.yml',
  },
  {
    name: 'cipassword', kind: 'secret', group: 'cloud-init', pve: 'cipassword', secret: true,
    doc: 'Password of the default cloud-init user. Pass it from a repository secret; prefer `sshkeys`.',
    example: '${{ secrets.VM_PASSWORD }}',
  },
  {
    name: 'citype', kind: 'enum', group: 'cloud-init', pve: 'citype', choices: ['configdrive2', 'nocloud', 'opennebula'],
    doc: 'Cloud-init configuration format. Proxmox picks `nocloud` for Linux and `configdrive2` for Windows when unset.',
    example: 'nocloud',
  },
  { name: 'ciupgrade', kind: 'bool', group: 'cloud-init', pve: 'ciupgrade', doc: 'Upgrade packages on first boot.', example: 'false' },
  { name: 'ciuser', kind: 'string', group: 'cloud-init', pve: 'ciuser', doc: 'Name of the default cloud-init user.', example: 'ubuntu' },
  {
    name: 'ipconfig', kind: 'dict', group: 'cloud-init', pve: 'ipconfig[n]', keyPattern: /^ipconfig(\d+)$/, indexRange: [0, 31], format: ipconfigFormat,
    doc: 'IP configuration per interface, a YAML mapping or JSON object with keys `ipconfig0`..`ipconfig31`. Values are `[ip=<IPv4/CIDR|dhcp>][,gw=<IPv4>][,ip6=<IPv6/CIDR|dhcp|auto>][,gw6=<IPv6>]`; a gateway needs an address of its family.',
    example: 'ipconfig0: ip=192.168.1.10/24,gw=192.168.1.1',
  },
  {
    name: 'nameservers', kind: 'list', group: 'cloud-init', pve: 'nameserver', join: ' ', check: 'ip-address',
    doc: 'DNS server IP addresses. Proxmox uses the host settings when unset.', example: '1.1.1.1,8.8.8.8',
  },
  {
    name: 'searchdomains', kind: 'list', group: 'cloud-init', pve: 'searchdomain', join: ' ', check: 'dns-name',
    doc: 'DNS search domains. Proxmox uses the host settings when unset.', example: 'mydomain.internal',
  },
  {
    name: 'sshkeys', kind: 'string', group: 'cloud-init', pve: 'sshkeys', urlEncode: true, check: 'ssh-public-keys',
    doc: 'Public SSH key(s) for the default user, one per line as in a `.pub` or `authorized_keys` file (no comment lines: Proxmox VE checks every line with `ssh-keygen`; URL-encoded for Proxmox by the action).',
    example: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILJkVm98B71lD5XHfihwcYHE9TVpsJmK1vR1JcaU82L+ ci@example',
  },
];
