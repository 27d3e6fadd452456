#!/bin/sh
# Kubernetes node labels, from the mdev compatibility matrix of 12 hosts in 6 classes
# policy vfio-mdev@1.0.0 + intel-gvt-g@1.0.0 + mtty-sample@1.0.0 + nvidia-vgpu@2.0.0 + platform@1.0.0 + s390-vfio-ap@1.1.0 + s390-vfio-ccw@1.0.0, mode strict, digest sha256:<digest>; matrix <id>, <time>, mdev-policy <version>
#
# mdev-policy.io/class=<fp>: the node's host class, named by a fingerprint of its facts (free instances aside), so the
# same class has the same name in every run. mdev-policy.io/group.<type>.<fp>=true: the node is in the compatibility
# group of that mdev type anchored at class <fp>. The nodes of a group can all take a VM of that type from one another,
# in every direction: the anchor class, and each class that can exchange such VMs both ways with every class already
# in the group. One-way moves (an old class to a new one, during an upgrade) are in no group: see the matrix. A node
# affinity on the group of the class a VM starts on keeps it, and every live migration, inside the group. A class whose
# nodes cannot exchange VMs of a type has no group for it. Any other label under mdev-policy.io/ that a node has (from an
# earlier run) is removed, and so are those of every node of the cluster this run does not name (gone from the
# inventory, left out below, or on a line that could not be read): a node the matrix did not decide is in no group.
set -eu
set -f
prefix='mdev-policy.io/'
mdev_labels() {
  node=$1; shift
  had=$(kubectl get node "$node" -o go-template='{{range $k, $v := .metadata.labels}}{{println $k}}{{end}}') || return 1
  for k in $had; do
    case $k in "$prefix"*) ;; *) continue ;; esac
    new=
    for l in "$@"; do if [ "${l%%=*}" = "$k" ]; then new=1; fi; done
    if [ -z "$new" ]; then set -- "$@" "$k-"; fi
  done
  if [ $# -gt 0 ]; then kubectl label node "$node" --overwrite "$@" || return 1; fi
}
failed=0

named=' gvt-01 gvt-02 gvt-03 gvt-04 mtty-01 mtty-02 nv-01 nv-02 nv-03 s390-01 s390-02 s390-03 '
nodes=$(kubectl get nodes -o go-template='{{range .items}}{{println .metadata.name}}{{end}}')
for node in $nodes; do
  case $named in *" $node "*) ;; *) mdev_labels "$node" || failed=1 ;; esac
done

mdev_labels 'nv-03' mdev-policy.io/class=02ffeb0f mdev-policy.io/group.nvidia-557.02ffeb0f=true mdev-policy.io/group.nvidia-558.02ffeb0f=true || failed=1
mdev_labels 'gvt-01' mdev-policy.io/class=1613c369 mdev-policy.io/group.i915-GVTg_V5_4.1613c369=true mdev-policy.io/group.i915-GVTg_V5_8.1613c369=true || failed=1
mdev_labels 'gvt-02' mdev-policy.io/class=1613c369 mdev-policy.io/group.i915-GVTg_V5_4.1613c369=true mdev-policy.io/group.i915-GVTg_V5_8.1613c369=true || failed=1
mdev_labels 'gvt-03' mdev-policy.io/class=1613c369 mdev-policy.io/group.i915-GVTg_V5_4.1613c369=true mdev-policy.io/group.i915-GVTg_V5_8.1613c369=true || failed=1
mdev_labels 'gvt-04' mdev-policy.io/class=31890c15 mdev-policy.io/group.i915-GVTg_V5_4.31890c15=true mdev-policy.io/group.i915-GVTg_V5_8.31890c15=true || failed=1
mdev_labels 's390-01' mdev-policy.io/class=5471595d mdev-policy.io/group.vfio_ap-passthrough.5471595d=true mdev-policy.io/group.vfio_ccw-io.5471595d=true || failed=1
mdev_labels 's390-02' mdev-policy.io/class=5471595d mdev-policy.io/group.vfio_ap-passthrough.5471595d=true mdev-policy.io/group.vfio_ccw-io.5471595d=true || failed=1
mdev_labels 's390-03' mdev-policy.io/class=5471595d mdev-policy.io/group.vfio_ap-passthrough.5471595d=true mdev-policy.io/group.vfio_ccw-io.5471595d=true || failed=1
mdev_labels 'nv-01' mdev-policy.io/class=6402c697 mdev-policy.io/group.nvidia-557.6402c697=true mdev-policy.io/group.nvidia-558.6402c697=true || failed=1
mdev_labels 'nv-02' mdev-policy.io/class=6402c697 mdev-policy.io/group.nvidia-557.6402c697=true mdev-policy.io/group.nvidia-558.6402c697=true || failed=1
mdev_labels 'mtty-01' mdev-policy.io/class=ebaf0d92 mdev-policy.io/group.mtty-1.ebaf0d92=true mdev-policy.io/group.mtty-2.ebaf0d92=true || failed=1
mdev_labels 'mtty-02' mdev-policy.io/class=ebaf0d92 mdev-policy.io/group.mtty-1.ebaf0d92=true mdev-policy.io/group.mtty-2.ebaf0d92=true || failed=1
if [ "$failed" -ne 0 ]; then echo 'mdev-policy: some nodes were not labelled (above)' >&2; exit 1; fi
