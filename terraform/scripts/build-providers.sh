#!/usr/bin/env bash
# Builds the Terraform providers that the Go module proxy can serve (hashicorp/helm 1.3.2 and
# hashicorp/kubernetes 1.13.4) into a filesystem mirror usable with `terraform init -plugin-dir=<mirror>`.
#
#   terraform/scripts/build-providers.sh            # build what is missing, print the mirror dir on stdout
#   terraform/scripts/build-providers.sh --force    # rebuild even when cached
#   terraform/scripts/build-providers.sh --print    # only print the mirror dir (exit 1 when incomplete)
#
# Environment:
#   BRAINMESH_TF_MIRROR  mirror dir (default ~/.cache/brainmesh/k8s/tf-mirror)
#   GO                   go binary (default: go on PATH)
#
# Idempotent: a provider whose binary is already in the mirror is not rebuilt (~30 ms when cached).
# Cold: 4-7 min per provider on 2 busy cores with empty Go caches (downloads from the Go module proxy
# included); about a minute each when the Go build cache survives.
# Progress goes to stderr; stdout carries only the mirror dir so callers can do MIRROR=$(... )
set -euo pipefail

MIRROR="${BRAINMESH_TF_MIRROR:-${HOME}/.cache/brainmesh/k8s/tf-mirror}"
GO="${GO:-go}"
FORCE=0
PRINT_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --print) PRINT_ONLY=1 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-providers: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# name version module-path extra-replace-lines...
PROVIDERS=(
  "helm 1.3.2 github.com/hashicorp/terraform-provider-helm"
  "kubernetes 1.13.4 github.com/hashicorp/terraform-provider-kubernetes"
)

log() { printf '[build-providers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

platform() {
  if command -v "$GO" >/dev/null 2>&1; then
    echo "$("$GO" env GOOS)_$("$GO" env GOARCH)"
  else
    local os arch
    os=$(uname -s | tr '[:upper:]' '[:lower:]')
    arch=$(uname -m)
    case "$arch" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; esac
    echo "${os}_${arch}"
  fi
}
PLATFORM=$(platform)

binary_path() { # name version
  echo "${MIRROR}/registry.terraform.io/hashicorp/$1/$2/${PLATFORM}/terraform-provider-$1_v$2"
}

all_present() {
  local p name version _
  for p in "${PROVIDERS[@]}"; do
    read -r name version _ <<<"$p"
    [[ -x "$(binary_path "$name" "$version")" ]] || return 1
  done
}

if [[ $PRINT_ONLY == 1 ]]; then
  all_present || { log "mirror incomplete: run without --print"; exit 1; }
  echo "$MIRROR"
  exit 0
fi

if [[ $FORCE == 0 ]] && all_present; then
  log "cached: ${MIRROR}"
  echo "$MIRROR"
  exit 0
fi

command -v "$GO" >/dev/null 2>&1 || { log "error: Go is needed to build the providers (GO=$GO not found)"; exit 1; }
mkdir -p "$MIRROR"

# One build at a time per mirror (a second caller waits, then finds the binaries cached).
exec 9>"${MIRROR}/.build.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/brainmesh-tf-providers.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

build_provider() { # name version module
  local name=$1 version=$2 module=$3
  local out src dir t0
  out=$(binary_path "$name" "$version")
  if [[ $FORCE == 0 && -x "$out" ]]; then
    log "$name $version: cached"
    return 0
  fi
  t0=$(date +%s)
  log "$name $version: downloading ${module}@v${version} from the Go module proxy"
  src=$("$GO" mod download -json "${module}@v${version}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n "$src" && -f "$src/main.go" ]] || { log "error: could not download ${module}@v${version}"; return 1; }

  # A wrapper module: `go install` refuses modules whose go.mod carries replace directives.
  dir="$WORK/$name"
  mkdir -p "$dir"
  cp "$src/main.go" "$dir/main.go"
  chmod u+w "$dir/main.go"
  {
    echo "module brainmesh.local/terraform-provider-${name}-wrapper"
    echo
    echo "go $(sed -n 's/^go \([0-9.]*\)$/\1/p' "$src/go.mod" | head -n1)"
    echo
    echo "require ${module} v${version}"
    echo
    # The provider's replace directives, minus those that point into its own tree (./vendor/...).
    awk '
      /^replace[[:space:]]*\($/ { inblock = 1; next }
      inblock && /^\)/ { inblock = 0; next }
      inblock { line = $0 } 
      !inblock && /^replace[[:space:]]/ { line = $0; sub(/^replace[[:space:]]+/, "", line) }
      (inblock || /^replace[[:space:]]/) {
        sub(/\/\/.*/, "", line)
        if (line ~ /=>/ && line !~ /=>[[:space:]]*\.\.?\//) { gsub(/^[[:space:]]+|[[:space:]]+$/, "", line); print "replace " line }
        line = ""
      }
    ' "$src/go.mod"
    # vbom.ml is gone; its code lives on at github.com/fvbommel/util.
    echo "replace vbom.ml/util => github.com/fvbommel/util v0.0.0-20160121211510-db5cfe13f5cc"
  } >"$dir/go.mod"

  log "$name $version: resolving modules (reflect2 1.0.2 + json-iterator 1.1.12: 1.0.1 crashes on new Go)"
  (
    cd "$dir"
    "$GO" get github.com/modern-go/reflect2@v1.0.2 github.com/json-iterator/go@v1.1.12 >&2
    "$GO" mod tidy -e >&2 2>"$dir/tidy.log" || { cat "$dir/tidy.log" >&2; exit 1; }
  )
  log "$name $version: go build (about a minute cold)"
  mkdir -p "$(dirname "$out")"
  (
    cd "$dir"
    CGO_ENABLED=0 "$GO" build -trimpath -ldflags "-s -w" -o "$dir/terraform-provider-${name}" . >&2
  )
  # Copy next to the target, then rename: a concurrent `terraform init` never sees half a binary.
  cp "$dir/terraform-provider-${name}" "$out.partial.$$"
  mv -f "$out.partial.$$" "$out"
  log "$name $version: built in $(($(date +%s) - t0)) s -> $out"
}

for p in "${PROVIDERS[@]}"; do
  read -r name version module <<<"$p"
  build_provider "$name" "$version" "$module"
done
log "mirror ready: ${MIRROR}"
echo "$MIRROR"
