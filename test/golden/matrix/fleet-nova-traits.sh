#!/bin/sh
# Nova Placement traits, from the mdev compatibility matrix of 12 hosts in 6 classes
# policy vfio-mdev@1.0.0 + intel-gvt-g@1.0.0 + mtty-sample@1.0.0 + nvidia-vgpu@2.0.0 + platform@1.0.0 + s390-vfio-ap@1.1.0 + s390-vfio-ccw@1.0.0, mode strict, digest sha256:<digest>; matrix <id>, <time>, mdev-policy <version>
#
# Trait CUSTOM_MDEV_<TYPE>_<CLASS>: the host can run a VM of that mdev type coming from a host of that class — the
# class's own hosts, and those of every class its VMs of that type can live-migrate to. Require it in the flavor of
# the VMs started on that class (trait:<TRAIT>=required) so that scheduling and live migration stay inside the group.
# Each host's compute node resource provider (named like the host) gets its traits; the provider's other traits are
# kept, its former CUSTOM_MDEV_* traits replaced. Needs osc-placement (placement API microversion 1.6).
set -eu
set -f
placement() { openstack --os-placement-api-version 1.6 "$@"; }
mdev_traits() {
  host=$1; shift
  rp=$(placement resource provider list --name "$host" -f value -c uuid)
  if [ -z "$rp" ]; then printf 'mdev-policy: no resource provider named %s\n' "$host" >&2; return 1; fi
  keep=$(placement resource provider trait list "$rp" -f value -c name | grep -v '^CUSTOM_MDEV_' || true)
  all="$keep $*"
  set --
  for t in $all; do set -- "$@" --trait "$t"; done
  placement resource provider trait set "$@" "$rp" >/dev/null
}

placement trait create CUSTOM_MDEV_I915_GVTG_V5_4_C1
placement trait create CUSTOM_MDEV_I915_GVTG_V5_4_C5
placement trait create CUSTOM_MDEV_I915_GVTG_V5_8_C1
placement trait create CUSTOM_MDEV_I915_GVTG_V5_8_C5
placement trait create CUSTOM_MDEV_MTTY_1_C3
placement trait create CUSTOM_MDEV_MTTY_2_C3
placement trait create CUSTOM_MDEV_NVIDIA_557_C2
placement trait create CUSTOM_MDEV_NVIDIA_557_C6
placement trait create CUSTOM_MDEV_NVIDIA_558_C2
placement trait create CUSTOM_MDEV_NVIDIA_558_C6
placement trait create CUSTOM_MDEV_VFIO_AP_PASSTHROUGH_C4
placement trait create CUSTOM_MDEV_VFIO_CCW_IO_C4

mdev_traits 'gvt-01' CUSTOM_MDEV_I915_GVTG_V5_4_C1 CUSTOM_MDEV_I915_GVTG_V5_4_C5 CUSTOM_MDEV_I915_GVTG_V5_8_C1 CUSTOM_MDEV_I915_GVTG_V5_8_C5
mdev_traits 'gvt-02' CUSTOM_MDEV_I915_GVTG_V5_4_C1 CUSTOM_MDEV_I915_GVTG_V5_4_C5 CUSTOM_MDEV_I915_GVTG_V5_8_C1 CUSTOM_MDEV_I915_GVTG_V5_8_C5
mdev_traits 'gvt-03' CUSTOM_MDEV_I915_GVTG_V5_4_C1 CUSTOM_MDEV_I915_GVTG_V5_4_C5 CUSTOM_MDEV_I915_GVTG_V5_8_C1 CUSTOM_MDEV_I915_GVTG_V5_8_C5
mdev_traits 'nv-01' CUSTOM_MDEV_NVIDIA_557_C2 CUSTOM_MDEV_NVIDIA_558_C2
mdev_traits 'nv-02' CUSTOM_MDEV_NVIDIA_557_C2 CUSTOM_MDEV_NVIDIA_558_C2
mdev_traits 'mtty-01' CUSTOM_MDEV_MTTY_1_C3 CUSTOM_MDEV_MTTY_2_C3
mdev_traits 'mtty-02' CUSTOM_MDEV_MTTY_1_C3 CUSTOM_MDEV_MTTY_2_C3
mdev_traits 's390-01' CUSTOM_MDEV_VFIO_AP_PASSTHROUGH_C4 CUSTOM_MDEV_VFIO_CCW_IO_C4
mdev_traits 's390-02' CUSTOM_MDEV_VFIO_AP_PASSTHROUGH_C4 CUSTOM_MDEV_VFIO_CCW_IO_C4
mdev_traits 's390-03' CUSTOM_MDEV_VFIO_AP_PASSTHROUGH_C4 CUSTOM_MDEV_VFIO_CCW_IO_C4
mdev_traits 'gvt-04' CUSTOM_MDEV_I915_GVTG_V5_4_C5 CUSTOM_MDEV_I915_GVTG_V5_8_C5
mdev_traits 'nv-03' CUSTOM_MDEV_NVIDIA_557_C6 CUSTOM_MDEV_NVIDIA_558_C6
