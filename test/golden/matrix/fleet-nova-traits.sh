#!/bin/sh
# Nova Placement traits, from the mdev compatibility matrix of 12 hosts in 6 classes
# policy vfio-mdev@1.0.0 + intel-gvt-g@1.0.0 + mtty-sample@1.0.0 + nvidia-vgpu@2.0.0 + platform@1.0.0 + s390-vfio-ap@1.1.0 + s390-vfio-ccw@1.0.0, mode strict, digest sha256:<digest>; matrix <id>, <time>, mdev-policy <version>
#
# Trait CUSTOM_MDEV_<TYPE>_<FP>: a compatibility group of that mdev type, named after its anchor class (FP: a fingerprint
# of the class's facts, free instances aside, so the same class has the same name in every run). Its hosts can all take a VM
# of that type from one another, in every direction: the anchor class, and each class that can exchange such VMs both
# ways with every class already in the group. One-way moves (an old class to a new one, during an upgrade) are in no
# group: see the matrix. Require the trait of the class a VM starts on in its flavor (trait:<TRAIT>=required) so that
# scheduling and every live migration stay inside the group. A class whose hosts cannot exchange VMs of a type has no
# group for it. Each host's compute node resource provider (named like the host) gets its traits; the provider's other
# traits are kept, its former CUSTOM_MDEV_* traits replaced; every other provider loses its CUSTOM_MDEV_* traits (a host gone
# from the inventory, left out below, or on a line that could not be read is in no group). Needs osc-placement
# (placement API microversion 1.6).
set -eu
set -f
placement() { openstack --os-placement-api-version 1.6 "$@"; }
mdev_traits() {
  host=$1; shift
  rp=$(placement resource provider list --name="$host" -f value -c uuid) || return 1
  if [ -z "$rp" ]; then printf 'mdev-policy: no resource provider named %s\n' "$host" >&2; return 1; fi
  had=$(placement resource provider trait list "$rp" -f value -c name) || return 1
  keep=$(printf '%s\n' "$had" | grep -v '^CUSTOM_MDEV_' || true)
  all="$keep $*"
  set --
  for t in $all; do set -- "$@" --trait="$t"; done
  placement resource provider trait set "$@" "$rp" >/dev/null || return 1
}
mdev_sweep() {
  rp=$1
  had=$(placement resource provider trait list "$rp" -f value -c name) || return 1
  keep=$(printf '%s\n' "$had" | grep -v '^CUSTOM_MDEV_' || true)
  if [ "$keep" = "$had" ]; then return 0; fi
  if [ -z "$keep" ]; then placement resource provider trait delete "$rp" >/dev/null || return 1; return 0; fi
  set --
  for t in $keep; do set -- "$@" --trait="$t"; done
  placement resource provider trait set "$@" "$rp" >/dev/null || return 1
}
failed=0

placement trait create CUSTOM_MDEV_I915_GVTG_V5_4_1613C369
placement trait create CUSTOM_MDEV_I915_GVTG_V5_4_31890C15
placement trait create CUSTOM_MDEV_I915_GVTG_V5_8_1613C369
placement trait create CUSTOM_MDEV_I915_GVTG_V5_8_31890C15
placement trait create CUSTOM_MDEV_MTTY_1_EBAF0D92
placement trait create CUSTOM_MDEV_MTTY_2_EBAF0D92
placement trait create CUSTOM_MDEV_NVIDIA_557_02FFEB0F
placement trait create CUSTOM_MDEV_NVIDIA_557_6402C697
placement trait create CUSTOM_MDEV_NVIDIA_558_02FFEB0F
placement trait create CUSTOM_MDEV_NVIDIA_558_6402C697
placement trait create CUSTOM_MDEV_VFIO_AP_PASSTHROUGH_5471595D
placement trait create CUSTOM_MDEV_VFIO_CCW_IO_5471595D

named='
gvt-01
gvt-02
gvt-03
gvt-04
mtty-01
mtty-02
nv-01
nv-02
nv-03
s390-01
s390-02
s390-03
'
providers=$(placement resource provider list -f value -c uuid -c name)
while IFS= read -r line; do
  rp=${line%% *}
  name=${line#* }
  [ -n "$rp" ] || continue
  case $named in
    *"
$name
"*) ;;
    *) mdev_sweep "$rp" || failed=1 ;;
  esac
done <<EOF
$providers
EOF

mdev_traits 'nv-03' CUSTOM_MDEV_NVIDIA_557_02FFEB0F CUSTOM_MDEV_NVIDIA_558_02FFEB0F || failed=1
mdev_traits 'gvt-01' CUSTOM_MDEV_I915_GVTG_V5_4_1613C369 CUSTOM_MDEV_I915_GVTG_V5_8_1613C369 || failed=1
mdev_traits 'gvt-02' CUSTOM_MDEV_I915_GVTG_V5_4_1613C369 CUSTOM_MDEV_I915_GVTG_V5_8_1613C369 || failed=1
mdev_traits 'gvt-03' CUSTOM_MDEV_I915_GVTG_V5_4_1613C369 CUSTOM_MDEV_I915_GVTG_V5_8_1613C369 || failed=1
mdev_traits 'gvt-04' CUSTOM_MDEV_I915_GVTG_V5_4_31890C15 CUSTOM_MDEV_I915_GVTG_V5_8_31890C15 || failed=1
mdev_traits 's390-01' CUSTOM_MDEV_VFIO_AP_PASSTHROUGH_5471595D CUSTOM_MDEV_VFIO_CCW_IO_5471595D || failed=1
mdev_traits 's390-02' CUSTOM_MDEV_VFIO_AP_PASSTHROUGH_5471595D CUSTOM_MDEV_VFIO_CCW_IO_5471595D || failed=1
mdev_traits 's390-03' CUSTOM_MDEV_VFIO_AP_PASSTHROUGH_5471595D CUSTOM_MDEV_VFIO_CCW_IO_5471595D || failed=1
mdev_traits 'nv-01' CUSTOM_MDEV_NVIDIA_557_6402C697 CUSTOM_MDEV_NVIDIA_558_6402C697 || failed=1
mdev_traits 'nv-02' CUSTOM_MDEV_NVIDIA_557_6402C697 CUSTOM_MDEV_NVIDIA_558_6402C697 || failed=1
mdev_traits 'mtty-01' CUSTOM_MDEV_MTTY_1_EBAF0D92 CUSTOM_MDEV_MTTY_2_EBAF0D92 || failed=1
mdev_traits 'mtty-02' CUSTOM_MDEV_MTTY_1_EBAF0D92 CUSTOM_MDEV_MTTY_2_EBAF0D92 || failed=1
if [ "$failed" -ne 0 ]; then echo 'mdev-policy: some providers were not updated (above)' >&2; exit 1; fi
