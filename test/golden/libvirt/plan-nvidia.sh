#!/bin/sh
# mdev-policy claim plan for gpu-b: VM vm-vgpu, 2 devices from gpu-a
# policy vfio-mdev@1.0.0 + nvidia-vgpu@2.0.0 + platform@1.0.0 (sha256:5aeb80e08826a84a985d15fbbd0e194f8eefc172dbcfcde01985ba7394af604b), mode strict; decision ID at TIME by mdev-policy VERSION
# Run as root on gpu-b before the migration. Running it again changes nothing: a device
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

# c0ffee00-0000-4000-8000-000000000001: nvidia-558 on 0000:c1:00.0
if needed 'c0ffee00-0000-4000-8000-000000000001' '0000:c1:00.0' 'nvidia-558'; then
  mdevctl define --uuid 'c0ffee00-0000-4000-8000-000000000001' --parent '0000:c1:00.0' --type 'nvidia-558' --auto
  mdevctl start --uuid 'c0ffee00-0000-4000-8000-000000000001' --parent '0000:c1:00.0'
fi

# c0ffee00-0000-4000-8000-000000000002: nvidia-558 on 0000:c1:00.0
if needed 'c0ffee00-0000-4000-8000-000000000002' '0000:c1:00.0' 'nvidia-558'; then
  mdevctl define --uuid 'c0ffee00-0000-4000-8000-000000000002' --parent '0000:c1:00.0' --type 'nvidia-558' --auto
  mdevctl start --uuid 'c0ffee00-0000-4000-8000-000000000002' --parent '0000:c1:00.0'
fi
