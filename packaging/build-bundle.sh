#!/usr/bin/env bash
# Build tlgui as a one-folder app with PyInstaller (packaging/tlgui.spec), then smoke-test it.
#
#   packaging/build-bundle.sh               build in a CPU-only environment (build/bundle-env), then test
#   packaging/build-bundle.sh --python PY   build with an existing environment's Python instead
#   packaging/build-bundle.sh --test-only   only smoke-test an existing dist/tlgui
#
# The app is dist/tlgui/ (run dist/tlgui/tlgui); copy that folder anywhere, no Python needed there.
# The fresh environment gets torch from BUNDLE_TORCH_INDEX (default: PyTorch's CPU-only wheels; empty:
# pip's own configuration) as BUNDLE_TORCH ("torch torchvision"), then tlgui's own requirements.
# A CUDA torch (from --python or the index) makes a CUDA bundle: its CUDA libraries weigh gigabytes.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_dir="$repo/build/bundle-env"
work_dir="$repo/build/pyinstaller"
dist_dir="$repo/dist"
app="$dist_dir/tlgui/tlgui"
torch_index="${BUNDLE_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"
torch_spec="${BUNDLE_TORCH:-torch torchvision}"
# Other work may share the machine: build and test at low priority.
nice_run=(nice -n 10)

usage() {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
}

python=""
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --python) python="${2:?--python needs a path}"; shift 2 ;;
        --test-only) build=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

prepare_environment() {
    if [ ! -x "$env_dir/bin/python" ]; then
        echo "== creating the build environment $env_dir"
        "${nice_run[@]}" python3 -m venv "$env_dir"
        local index_args=()
        [ -n "$torch_index" ] && index_args=(--index-url "$torch_index")
        # shellcheck disable=SC2086  # torch_spec is a list of requirements
        "${nice_run[@]}" "$env_dir/bin/pip" install --quiet "${index_args[@]}" $torch_spec
    fi
    # tlgui's requirements (torch already satisfied) and PyInstaller; reruns are quick.
    "${nice_run[@]}" "$env_dir/bin/pip" install --quiet "$repo[package]"
    python="$env_dir/bin/python"
}

build_bundle() {
    [ -n "$python" ] || prepare_environment
    echo "== building with $("$python" -c 'import sys, torch; print(sys.executable, "torch", torch.__version__)')"
    local start=$SECONDS
    (cd "$repo" && "${nice_run[@]}" "$python" -m PyInstaller --noconfirm --clean --log-level WARN \
        --distpath "$dist_dir" --workpath "$work_dir" packaging/tlgui.spec)
    build_seconds=$((SECONDS - start))
}

smoke_test() {
    [ -x "$app" ] || { echo "no bundle at $app: build it first" >&2; exit 1; }
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    # A bare environment: no Python on PATH, a fresh home (settings, feature cache, torch hub).
    run() {
        env -i PATH=/usr/bin:/bin HOME="$scratch/home" LANG=C.UTF-8 "$@"
    }
    local photos="$repo/resources/demo/val"
    echo "== smoke test of $app"
    run "$app" --version
    run "${nice_run[@]}" "$app" backbones | tee "$scratch/backbones.txt"
    grep -q "efficientnet_lite0" "$scratch/backbones.txt"
    run "${nice_run[@]}" "$app" demo --epochs 5 --out "$scratch/demo.safetensors"
    run "${nice_run[@]}" "$app" predict "$scratch/demo.safetensors" "$photos/bees" --format csv --top-k 1 \
        | tee "$scratch/predictions.csv"
    grep -q "bees" "$scratch/predictions.csv"
    run "${nice_run[@]}" "$app" export "$scratch/demo.safetensors" --out "$scratch/demo.onnx" --check "$photos"
    [ -s "$scratch/demo.onnx" ]
    echo "== the window, offscreen, closing by itself"
    run QT_QPA_PLATFORM=offscreen TLGUI_SMOKE_TEST=1 "${nice_run[@]}" timeout 180 "$app"
    echo "== smoke test passed"
}

build_seconds=""
[ "$build" = 1 ] && build_bundle
smoke_test
size_mib=$(( $(du -sb "$dist_dir/tlgui" | cut -f1) / 1048576 ))
echo "== dist/tlgui: ${size_mib} MiB, $(find "$dist_dir/tlgui" -type f | wc -l) files${build_seconds:+, built in ${build_seconds} s}"
