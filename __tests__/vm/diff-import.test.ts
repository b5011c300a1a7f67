// import-from on an existing disk (the VM made from a cloud image) and the input check of its size-0 syntax:
// qemu-server API2/Qemu.pm create_disks deletes import-from before writing the config, and $check_drive_param
// only takes `<storage>:0` with it.
import { describe, expect, test } from 'vitest';
import { diskFormats } from '../../src/catalogue/formats.js';
import { checkPropertyString } from '../../src/inputs/check-property.js';
import { diffConfig } from '../../src/vm/diff.js';

const opts = { unsafe: true, secretKeys: new Set<string>() };
const live = { scsi0: 'local-lvm:vm-100-disk-0,discard=on,iothread=1,size=3584M' };
const IMG = 'local:import/noble-server-cloudimg-amd64.qcow2';

describe('import-from on an existing disk', () => {
  test('is no change, and size 0 asks for no resize', () => {
    const d = diffConfig({ scsi0: `local-lvm:0,import-from=${IMG},iothread=1,discard=on` }, { scsi0: 'scsi' }, live, opts);
    expect(d).toMatchObject({ set: {}, resizes: [], notes: [], skippedUnsafe: [] });
  });

  test('another option beside it is sent without import-from, on the same volume', () => {
    const d = diffConfig({ scsi0: `local-lvm:0,import-from=${IMG},iothread=1,discard=ignore` }, { scsi0: 'scsi' }, live, opts);
    expect(d.set).toEqual({ scsi0: 'local-lvm:vm-100-disk-0,discard=ignore,iothread=1,size=3584M' });
  });
});

describe('import-from input check', () => {
  test('takes <storage>:0 (and 0.0), refuses other sizes and existing volumes', () => {
    expect(checkPropertyString(diskFormats.scsi, `local-lvm:0,import-from=${IMG}`).errors).toEqual([]);
    expect(checkPropertyString(diskFormats.scsi, `local-lvm:0.0,import-from=/root/a.qcow2`).errors).toEqual([]);
    expect(checkPropertyString(diskFormats.scsi, `local-lvm:32,import-from=${IMG}`).errors.join()).toContain("'import-from' needs size 0");
    expect(checkPropertyString(diskFormats.scsi, `local-lvm:vm-100-disk-0,import-from=${IMG}`).errors.join()).toContain('needs a new disk of size 0');
  });
});
