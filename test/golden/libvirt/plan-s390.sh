#!/bin/sh
# mdev-policy claim plan for lpar-b: VM vm-s390, 2 devices from lpar-a
# policy vfio-mdev@1.0.0 + platform@1.0.0 + s390-vfio-ap@1.1.0 + s390-vfio-ccw@1.0.0 (sha256:5aeb80e08826a84a985d15fbbd0e194f8eefc172dbcfcde01985ba7394af604b), mode strict; decision ID at TIME by mdev-policy VERSION
# Run as root on lpar-b before the migration. Running it again changes nothing: a device
# already running as planned is left as it is; a definition that is not running is replaced.
set -eu

command -v mdevctl >/dev/null 2>&1 || { echo 'mdev-policy plan: mdevctl is not installed' >&2; exit 1; }

# needed UUID PARENT TYPE: false when UUID already runs on PARENT as TYPE; stops the script when it runs otherwise;
# removes a definition of UUID on PARENT that is not running, so that it is defined anew.
needed() {
  running=$(mdevctl list --uuid "$1")
  case $running in
    "") ;;
    "$1 $2 $3" | "$1 $2 $3 "*) echo "mdev-policy plan: $1 already runs on $2 as $3: left as it is" >&2; return 1 ;;
    *) echo "mdev-policy plan: $1 already runs, not as $3 on $2: $running" >&2; exit 1 ;;
  esac
  if [ -n "$(mdevctl list --defined --uuid "$1" --parent "$2")" ]; then
    mdevctl undefine --uuid "$1" --parent "$2"
  fi
  return 0
}

# 90c6c135-ad44-41d0-b1b7-bae47de48627: vfio_ccw-io on 0.0.13aa
if needed '90c6c135-ad44-41d0-b1b7-bae47de48627' '0.0.13aa' 'vfio_ccw-io'; then
  mdevctl define --uuid '90c6c135-ad44-41d0-b1b7-bae47de48627' --parent '0.0.13aa' --type 'vfio_ccw-io' --auto
  mdevctl start --uuid '90c6c135-ad44-41d0-b1b7-bae47de48627' --parent '0.0.13aa'
fi

# 783e6dbb-ea0e-411f-94e2-717eaad438bf: vfio_ap-passthrough on matrix
if needed '783e6dbb-ea0e-411f-94e2-717eaad438bf' 'matrix' 'vfio_ap-passthrough'; then
  mdevctl define --uuid '783e6dbb-ea0e-411f-94e2-717eaad438bf' --parent 'matrix' --type 'vfio_ap-passthrough' --auto
  mdevctl modify --uuid '783e6dbb-ea0e-411f-94e2-717eaad438bf' --parent 'matrix' --addattr='assign_adapter' --value='5'
  mdevctl modify --uuid '783e6dbb-ea0e-411f-94e2-717eaad438bf' --parent 'matrix' --addattr='assign_adapter' --value='6'
  mdevctl modify --uuid '783e6dbb-ea0e-411f-94e2-717eaad438bf' --parent 'matrix' --addattr='assign_domain' --value='0xab'
  mdevctl modify --uuid '783e6dbb-ea0e-411f-94e2-717eaad438bf' --parent 'matrix' --addattr='assign_domain' --value='4'
  mdevctl modify --uuid '783e6dbb-ea0e-411f-94e2-717eaad438bf' --parent 'matrix' --addattr='assign_control_domain' --value='0xab'
  mdevctl modify --uuid '783e6dbb-ea0e-411f-94e2-717eaad438bf' --parent 'matrix' --addattr='assign_control_domain' --value='4'
  mdevctl start --uuid '783e6dbb-ea0e-411f-94e2-717eaad438bf' --parent 'matrix'
fi
