#!/usr/bin/env bash
# Remakes the descriptor-set fixtures of SchemaTests from the .proto files beside this script.
# Needs protoc (Debian: protobuf-compiler), which also ships google/protobuf/*.proto under
# /usr/include. google/api/*.proto come from the project's Protos/vendored (see its README).
# Run it after editing a .proto file and commit the
# .binpb files; the tests never run protoc.
set -euo pipefail
cd "$(dirname "$0")"

include="${PROTOC_INCLUDE:-/usr/include}"
protoc_set() {
    local out="$1"
    shift
    protoc --proto_path=protos --proto_path=../../../Protos/vendored --proto_path="$include" --descriptor_set_out="$out" "$@"
}

# Complete sets, as the gateway expects them.
protoc_set orders.binpb --include_imports fixtures/orders.proto
protoc_set legacy.binpb --include_imports fixtures/legacy.proto

# A set with a dangling reference: dangling.proto without the file that defines its field's type.
protoc_set dangling.binpb fixtures/dangling.proto

# A file that is not a FileDescriptorSet at all.
printf 'this is not a descriptor set\n' > not_a_descriptor_set.binpb
