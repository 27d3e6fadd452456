#!/bin/sh
# Kubernetes node labels, from the mdev compatibility matrix of 12 hosts in 6 classes
# policy vfio-mdev@1.0.0 + intel-gvt-g@1.0.0 + mtty-sample@1.0.0 + nvidia-vgpu@2.0.0 + platform@1.0.0 + s390-vfio-ap@1.1.0 + s390-vfio-ccw@1.0.0, mode strict, digest sha256:<digest>; matrix <id>, <time>, mdev-policy <version>
#
# mdev-policy.io/class: the node's host class. mdev-policy.io/group.<type>.<class>=true: the node can run a VM of that mdev type
# coming from a node of that class — the class's own nodes, and those of every class its VMs of that type can
# live-migrate to. A node affinity on it keeps a VM (and its live migrations) inside the group. Labels of an earlier run
# are overwritten, not removed: a group that no longer exists keeps its label until it is removed (`kubectl label node N KEY-`).
set -eu

kubectl label node 'gvt-01' --overwrite mdev-policy.io/class=c1 mdev-policy.io/group.i915-GVTg_V5_4.c1=true mdev-policy.io/group.i915-GVTg_V5_8.c1=true mdev-policy.io/group.i915-GVTg_V5_4.c5=true mdev-policy.io/group.i915-GVTg_V5_8.c5=true
kubectl label node 'gvt-02' --overwrite mdev-policy.io/class=c1 mdev-policy.io/group.i915-GVTg_V5_4.c1=true mdev-policy.io/group.i915-GVTg_V5_8.c1=true mdev-policy.io/group.i915-GVTg_V5_4.c5=true mdev-policy.io/group.i915-GVTg_V5_8.c5=true
kubectl label node 'gvt-03' --overwrite mdev-policy.io/class=c1 mdev-policy.io/group.i915-GVTg_V5_4.c1=true mdev-policy.io/group.i915-GVTg_V5_8.c1=true mdev-policy.io/group.i915-GVTg_V5_4.c5=true mdev-policy.io/group.i915-GVTg_V5_8.c5=true
kubectl label node 'nv-01' --overwrite mdev-policy.io/class=c2 mdev-policy.io/group.nvidia-557.c2=true mdev-policy.io/group.nvidia-558.c2=true
kubectl label node 'nv-02' --overwrite mdev-policy.io/class=c2 mdev-policy.io/group.nvidia-557.c2=true mdev-policy.io/group.nvidia-558.c2=true
kubectl label node 'mtty-01' --overwrite mdev-policy.io/class=c3 mdev-policy.io/group.mtty-1.c3=true mdev-policy.io/group.mtty-2.c3=true
kubectl label node 'mtty-02' --overwrite mdev-policy.io/class=c3 mdev-policy.io/group.mtty-1.c3=true mdev-policy.io/group.mtty-2.c3=true
kubectl label node 's390-01' --overwrite mdev-policy.io/class=c4 mdev-policy.io/group.vfio_ap-passthrough.c4=true mdev-policy.io/group.vfio_ccw-io.c4=true
kubectl label node 's390-02' --overwrite mdev-policy.io/class=c4 mdev-policy.io/group.vfio_ap-passthrough.c4=true mdev-policy.io/group.vfio_ccw-io.c4=true
kubectl label node 's390-03' --overwrite mdev-policy.io/class=c4 mdev-policy.io/group.vfio_ap-passthrough.c4=true mdev-policy.io/group.vfio_ccw-io.c4=true
kubectl label node 'gvt-04' --overwrite mdev-policy.io/class=c5 mdev-policy.io/group.i915-GVTg_V5_4.c5=true mdev-policy.io/group.i915-GVTg_V5_8.c5=true
kubectl label node 'nv-03' --overwrite mdev-policy.io/class=c6 mdev-policy.io/group.nvidia-557.c6=true mdev-policy.io/group.nvidia-558.c6=true
