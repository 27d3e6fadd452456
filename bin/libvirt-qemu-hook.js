#!/usr/bin/env node
// libvirt's qemu hook, ready to be linked into /etc/libvirt/hooks/qemu.d/:
// `mdev-policy hook libvirt-qemu` with the shipped policy and this host
// collected from sysfs, libvirt's arguments taken as they come (after `--`).
// For flags of your own (a site policy, a cached host descriptor), use a
// two-line wrapper script instead (README, "With libvirt").
process.argv.splice(2, 0, 'hook', 'libvirt-qemu', '--');
await import('../dist/cli.mjs');
