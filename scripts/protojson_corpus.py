"""Writes the ProtoJSON conformance corpus; run through scripts/generate-protojson-corpus.

The reference is Python protobuf's json_format (upb underneath). Expected text is
json.dumps(MessageToDict(message, **options)) with compact separators (or indent=2) and
ensure_ascii=False. Two things are normalised, and only these:
  * map and Struct entries are put in key order (integers numerically, false before true, strings
    by UTF-8 bytes). The reference prints them in its hash table's order, which changes from one
    parse to the next; the codec under test sorts them by key, as Go's protojson does.
  * nothing else: float text, key order of fields, escapes are the reference's own.
"""

import base64
import json
import math
import random
import struct
import sys

from google.protobuf import any_pb2, duration_pb2, field_mask_pb2, json_format, struct_pb2
from google.protobuf import timestamp_pb2, wrappers_pb2
from google.protobuf.descriptor import FieldDescriptor as FD

from testing.v1 import json_conformance_pb2 as pb
from testing.v1 import json_conformance_proto2_pb2 as pb2

SEED = 20261124
OPTION_SETS = {
    "default": {},
    "alwaysPrint": {"always_print_fields_with_no_presence": True},
    "protoNames": {"preserving_proto_field_name": True},
    "enumInts": {"use_integers_for_enums": True},
    "indent2": {},
    "all": {
        "always_print_fields_with_no_presence": True,
        "preserving_proto_field_name": True,
        "use_integers_for_enums": True,
    },
}
INDENTED = {"indent2", "all"}

WKT_NAMES = {
    "google.protobuf.Any", "google.protobuf.Timestamp", "google.protobuf.Duration",
    "google.protobuf.FieldMask", "google.protobuf.Struct", "google.protobuf.Value",
    "google.protobuf.ListValue",
}


def is_wrapper(descriptor):
    return descriptor.file.name == "google/protobuf/wrappers.proto"


# --- canonical order of map and Struct entries ------------------------------------------------

def map_key_sort(field, key):
    kind = field.message_type.fields_by_name["key"].type
    if kind == FD.TYPE_BOOL:
        return key == "true"
    if kind == FD.TYPE_STRING:
        return key.encode("utf-8")
    return int(key)


def canon_value(js):
    if isinstance(js, dict):
        return canon_struct(js)
    if isinstance(js, list):
        return [canon_value(v) for v in js]
    return js


def canon_struct(js):
    return {k: canon_value(js[k]) for k in sorted(js, key=lambda k: k.encode("utf-8"))}


def canon_message(descriptor, js, proto_names):
    name = descriptor.full_name
    if is_wrapper(descriptor) or name in ("google.protobuf.Timestamp", "google.protobuf.Duration",
                                          "google.protobuf.FieldMask"):
        return js
    if name == "google.protobuf.Struct":
        return canon_struct(js)
    if name in ("google.protobuf.Value", "google.protobuf.ListValue"):
        return canon_value(js)
    if name == "google.protobuf.Any":
        if not js:
            return js
        inner = json_format._CreateMessageFromTypeUrl(js["@type"], None).DESCRIPTOR
        if is_wrapper(inner) or inner.full_name in WKT_NAMES:
            return {"@type": js["@type"], "value": canon_message(inner, js["value"], proto_names)}
        rest = canon_message(inner, {k: v for k, v in js.items() if k != "@type"}, proto_names)
        return {"@type": js["@type"], **rest}
    by_key = {(f.name if proto_names else f.json_name): f for f in descriptor.fields}
    out = {}
    for key, value in js.items():
        field = by_key[key]
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            items = sorted(value.items(), key=lambda kv: map_key_sort(field, kv[0]))
            if value_field.message_type is not None:
                items = [(k, canon_message(value_field.message_type, v, proto_names)) for k, v in items]
            out[key] = dict(items)
        elif field.message_type is not None:
            if field.is_repeated:
                out[key] = [canon_message(field.message_type, v, proto_names) for v in value]
            else:
                out[key] = canon_message(field.message_type, value, proto_names)
        else:
            out[key] = value
    return out


def reference_json(message, option_set):
    options = OPTION_SETS[option_set]
    js = json_format.MessageToDict(message, **options)
    js = canon_message(message.DESCRIPTOR, js, options.get("preserving_proto_field_name", False))
    if option_set in INDENTED:
        return json.dumps(js, indent=2, ensure_ascii=False)
    return json.dumps(js, separators=(",", ":"), ensure_ascii=False)


# --- random messages ----------------------------------------------------------------------------

class Filler:
    def __init__(self, rng):
        self.rng = rng

    def int_value(self, bits, signed):
        r = self.rng.random()
        if signed:
            lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        else:
            lo, hi = 0, (1 << bits) - 1
        if r < 0.15:
            return self.rng.choice([lo, hi, 0, 1, -1 if signed else 2, lo + 1, hi - 1])
        if r < 0.5:
            return self.rng.randint(max(lo, -300), min(hi, 300))
        if r < 0.7:
            return self.rng.randint(max(lo, -(1 << 20)), min(hi, 1 << 20))
        return self.rng.randint(lo, hi)

    def double_value(self):
        r = self.rng.random()
        if r < 0.2:
            return self.rng.choice([0.0, -0.0, 1.0, -1.5, 0.1, 1e16, 1e15, 1e-5, 1e-4, 5e-324,
                                    1.7976931348623157e308, 2.2250738585072014e-308, math.pi,
                                    123456789.125, 1e100, -1e-100, 9007199254740993.0,
                                    float("nan"), float("inf"), float("-inf")])
        if r < 0.5:
            return round(self.rng.uniform(-1000, 1000), self.rng.randint(0, 6))
        if r < 0.7:
            return float(self.rng.randint(-(1 << 53), 1 << 53))
        while True:
            value = struct.unpack("<d", self.rng.getrandbits(64).to_bytes(8, "little"))[0]
            if not math.isnan(value):
                return value

    def float_value(self):
        r = self.rng.random()
        if r < 0.2:
            value = self.rng.choice([0.0, -0.0, 1.0, 0.1, 3.4028234663852886e38, 1.401298464324817e-45,
                                     1.1754943508222875e-38, 16777216.0, 1e10, 1e-5, 0.3,
                                     float("nan"), float("inf"), float("-inf"), 2.5e-44, 1e-40])
        elif r < 0.5:
            value = round(self.rng.uniform(-1000, 1000), self.rng.randint(0, 4))
        else:
            while True:
                value = struct.unpack("<f", self.rng.getrandbits(32).to_bytes(4, "little"))[0]
                if not math.isnan(value):
                    break
        return struct.unpack("<f", struct.pack("<f", value))[0]

    def string_value(self):
        alphabet = ["a", "b", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\b", "\f", "\x00",
                    "\x01", "\x1f", "\x7f", "é", "ß", "€", "\u2028", "\u2029", "😀", "𝄞", "中", "\ufeff",
                    "<", ">", "&", "'"]
        n = self.rng.choice([0, 1, 3, 8, 20])
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def bytes_value(self):
        return bytes(self.rng.getrandbits(8) for _ in range(self.rng.choice([0, 1, 2, 3, 4, 5, 16, 40])))

    def enum_value(self, enum_type):
        if enum_type.full_name == "google.protobuf.NullValue":
            return 0
        if not enum_type.is_closed and self.rng.random() < 0.1:
            return self.rng.choice([99, -5, 1000])
        return self.rng.choice(enum_type.values).number

    def scalar(self, field):
        t = field.type
        if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
            return self.int_value(32, True)
        if t in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
            return self.int_value(64, True)
        if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
            return self.int_value(32, False)
        if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
            return self.int_value(64, False)
        if t == FD.TYPE_DOUBLE:
            return self.double_value()
        if t == FD.TYPE_FLOAT:
            return self.float_value()
        if t == FD.TYPE_BOOL:
            return self.rng.random() < 0.5
        if t == FD.TYPE_STRING:
            return self.string_value()
        if t == FD.TYPE_BYTES:
            return self.bytes_value()
        if t == FD.TYPE_ENUM:
            return self.enum_value(field.enum_type)
        raise AssertionError(t)

    def json_value(self, depth):
        r = self.rng.random()
        if depth > 3 or r < 0.6:
            return self.rng.choice([None, True, False, self.string_value(), float(self.int_value(32, True)),
                                    round(self.rng.uniform(-100, 100), 3), 1e21, 0.5])
        if r < 0.8:
            return [self.json_value(depth + 1) for _ in range(self.rng.randint(0, 4))]
        return {self.string_value(): self.json_value(depth + 1) for _ in range(self.rng.randint(0, 4))}

    def wkt(self, message, depth):
        name = message.DESCRIPTOR.full_name
        if name == "google.protobuf.Timestamp":
            message.seconds = self.rng.choice([0, -1, 1, -62135596800, 253402300799,
                                               self.rng.randint(-62135596800, 253402300799)])
            message.nanos = self.rng.choice([0, 1, 999999999, 5000000, 123000, self.rng.randint(0, 999999999)])
        elif name == "google.protobuf.Duration":
            seconds = self.rng.choice([0, 1, -1, 315576000000, -315576000000, self.rng.randint(-10**6, 10**6)])
            nanos = self.rng.choice([0, 500000000, 1000, 1, 999999999])
            if seconds < 0 or (seconds == 0 and self.rng.random() < 0.5):
                nanos = -nanos
            message.seconds, message.nanos = seconds, nanos
        elif name == "google.protobuf.FieldMask":
            message.paths.extend(self.rng.choice(["a", "foo_bar", "x.y_z", "abc.def_ghi.j"])
                                 for _ in range(self.rng.randint(0, 3)))
        elif name == "google.protobuf.Struct":
            json_format.ParseDict({self.string_value(): self.json_value(1) for _ in range(self.rng.randint(0, 4))},
                                  message)
        elif name == "google.protobuf.Value":
            json_format.ParseDict(self.json_value(0), message)
        elif name == "google.protobuf.ListValue":
            json_format.ParseDict([self.json_value(1) for _ in range(self.rng.randint(0, 3))], message)
        elif name == "google.protobuf.Any":
            choice = self.rng.randint(0, 6)
            if choice == 0:
                return
            inner = [pb.AnyPayload(name=self.string_value(), id=self.int_value(64, True), colors=[1, 3]),
                     timestamp_pb2.Timestamp(seconds=self.rng.randint(0, 10**9), nanos=1000),
                     wrappers_pb2.Int32Value(value=self.int_value(32, True)),
                     duration_pb2.Duration(seconds=3, nanos=500000000),
                     struct_pb2.Value(string_value="x"),
                     None][choice - 1]
            if inner is None:
                inner = pb.TestAllTypes()
                if depth < 3:
                    self.fill(inner, depth + 1)
            message.Pack(inner, deterministic=True)
        elif is_wrapper(message.DESCRIPTOR):
            field = message.DESCRIPTOR.fields_by_name["value"]
            message.value = self.scalar(field) if self.rng.random() < 0.8 else field.default_value
        else:  # Empty
            pass

    def fill(self, message, depth=0, density=0.25):
        descriptor = message.DESCRIPTOR
        if descriptor.full_name.startswith("google.protobuf."):
            self.wkt(message, depth)
            return
        for field in descriptor.fields:
            if self.rng.random() > density:
                continue
            if field.message_type is not None and depth >= 4:
                continue
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                key_field = field.message_type.fields_by_name["key"]
                value_field = field.message_type.fields_by_name["value"]
                target = getattr(message, field.name)
                for _ in range(self.rng.randint(0, 4)):
                    key = self.scalar(key_field)
                    if value_field.message_type is not None:
                        self.fill(target[key], depth + 1, density)
                    else:
                        target[key] = self.scalar(value_field)
            elif field.is_repeated:
                target = getattr(message, field.name)
                for _ in range(self.rng.choice([0, 1, 2, 3, 5])):
                    if field.message_type is not None:
                        self.fill(target.add(), depth + 1, density)
                    else:
                        target.append(self.scalar(field))
            elif field.message_type is not None:
                self.fill(getattr(message, field.name), depth + 1, density)
                getattr(message, field.name).SetInParent()
            else:
                setattr(message, field.name, self.scalar(field))


# --- hand-picked cases --------------------------------------------------------------------------

def edge_cases():
    cases = []
    T = pb.TestAllTypes

    def add(name, message):
        cases.append((name, message))

    add("empty", T())
    add("int64_extremes", T(optional_int64=-(1 << 63), optional_uint64=(1 << 64) - 1, optional_sint64=(1 << 63) - 1,
                            optional_fixed64=(1 << 64) - 1, optional_sfixed64=-(1 << 63),
                            repeated_int64=[-(1 << 63), (1 << 63) - 1, 0, -1], map_int64_int64={-(1 << 63): (1 << 63) - 1}))
    add("int32_extremes", T(optional_int32=-(1 << 31), optional_uint32=(1 << 32) - 1, optional_sint32=-(1 << 31),
                            optional_fixed32=(1 << 32) - 1, optional_sfixed32=(1 << 31) - 1))
    add("negative_zero", T(optional_double=-0.0, optional_float=-0.0, repeated_double=[-0.0, 0.0]))
    add("nan_infinity", T(optional_double=float("nan"), optional_float=float("-inf"),
                          repeated_double=[float("inf"), float("-inf"), float("nan")],
                          repeated_float=[float("nan"), float("inf")]))
    add("denormals", T(optional_double=5e-324, optional_float=1.401298464324817e-45,
                       repeated_double=[2.2250738585072009e-308, 4.9406564584124654e-324, 1e-310],
                       repeated_float=[1.1754942106924411e-38, 2.802596928649634e-45, 9.183549615799121e-41]))
    add("double_layouts", T(repeated_double=[1e16, 1e15, 123456789012345680.0, 1e-5, 1e-4, 0.1, 1.0, 100.0, 1e22,
                                             1.7976931348623157e308, 0.30000000000000004, 12345.678]))
    add("float_layouts", T(repeated_float=[struct.unpack("<f", struct.pack("<f", v))[0] for v in
                                           [0.1, 1e10, 3.4028234663852886e38, 16777217.0, 1e-5, 0.3, 1.5, 100.0,
                                            123456.789, 7.0e-39]]))
    add("empty_repeated_and_maps", T(repeated_int32=[], map_string_string={}))
    add("large_repeated", T(repeated_int32=list(range(-5000, 5000)), repeated_string=["x"] * 300))
    add("unicode_and_escapes", T(optional_string="\"\\/\b\f\n\r\t\x00\x01\x1f\x7f é € 😀 𝄞 \u2028\u2029 \ufeff",
                                 repeated_string=["", "\x00", "a\"b"], map_string_string={"k\"ey\n": "v\\al", "😀": "€"}))
    add("bytes_all", T(optional_bytes=bytes(range(256)), repeated_bytes=[b"", b"\x00", b"\xff\xfe", b"abc", b"abcd"]))
    add("enum_alias_and_unknown", T(optional_color=3, repeated_color=[0, 1, 2, 3, -1, 77], optional_nested_enum=2,
                                     repeated_nested_enum=[5, 0]))
    add("oneof_default_values", T(oneof_uint32=0))
    add("oneof_null_value", T(oneof_null_value=0))
    add("oneof_empty_nested", T(oneof_nested=T.Nested()))
    add("proto3_optional_zero", T(proto3_optional_int32=0, proto3_optional_string="", proto3_optional_enum=0))
    add("wrappers_defaults", T(optional_bool_wrapper=wrappers_pb2.BoolValue(), optional_int32_wrapper=wrappers_pb2.Int32Value(),
                               optional_int64_wrapper=wrappers_pb2.Int64Value(), optional_uint32_wrapper=wrappers_pb2.UInt32Value(),
                               optional_uint64_wrapper=wrappers_pb2.UInt64Value(), optional_float_wrapper=wrappers_pb2.FloatValue(),
                               optional_double_wrapper=wrappers_pb2.DoubleValue(), optional_string_wrapper=wrappers_pb2.StringValue(),
                               optional_bytes_wrapper=wrappers_pb2.BytesValue(),
                               repeated_int32_wrapper=[wrappers_pb2.Int32Value(value=1), wrappers_pb2.Int32Value()]))
    add("wrappers_values", T(optional_int64_wrapper=wrappers_pb2.Int64Value(value=-(1 << 63)),
                             optional_float_wrapper=wrappers_pb2.FloatValue(value=0.1),
                             optional_double_wrapper=wrappers_pb2.DoubleValue(value=float("nan")),
                             optional_bytes_wrapper=wrappers_pb2.BytesValue(value=b"\x01\x02\x03")))
    add("timestamps", T(optional_timestamp=timestamp_pb2.Timestamp(seconds=-62135596800),
                        repeated_timestamp=[timestamp_pb2.Timestamp(seconds=253402300799, nanos=999999999),
                                            timestamp_pb2.Timestamp(seconds=0, nanos=10000000),
                                            timestamp_pb2.Timestamp(seconds=-1, nanos=1000),
                                            timestamp_pb2.Timestamp(seconds=951782400)]))
    add("durations", T(optional_duration=duration_pb2.Duration(seconds=-315576000000),
                       repeated_duration=[duration_pb2.Duration(seconds=0, nanos=-500000000),
                                          duration_pb2.Duration(seconds=1, nanos=1),
                                          duration_pb2.Duration(seconds=315576000000, nanos=999999999),
                                          duration_pb2.Duration(seconds=-3, nanos=-100000000),
                                          duration_pb2.Duration()]))
    add("field_mask", T(optional_field_mask=field_mask_pb2.FieldMask(paths=["foo_bar.baz_qux", "a", "x1_y"])))
    add("field_mask_empty", T(optional_field_mask=field_mask_pb2.FieldMask()))
    value = struct_pb2.Value()
    value.SetInParent()
    add("value_unset_is_null", T(optional_value=value, repeated_value=[struct_pb2.Value(), struct_pb2.Value(number_value=1)]))
    s = struct_pb2.Struct()
    json_format.ParseDict({"a": [1, "two", None, True, {"b": {}}, []], "": 1.5, "z": {"deep": [[[]]]}}, s)
    add("struct_nested", T(optional_struct=s, optional_list_value=struct_pb2.ListValue(), optional_empty=pb.google_dot_protobuf_dot_empty__pb2.Empty()))
    add("null_value_field", T(optional_null_value=0, repeated_value=[struct_pb2.Value(null_value=0)]))
    anys = []
    for inner in [pb.AnyPayload(name="x", id=5, colors=[1, 3]), wrappers_pb2.StringValue(value="s"),
                  wrappers_pb2.Int64Value(value=7), timestamp_pb2.Timestamp(seconds=1),
                  duration_pb2.Duration(seconds=-1), field_mask_pb2.FieldMask(paths=["a_b"]), s,
                  struct_pb2.ListValue(), struct_pb2.Value(bool_value=True), pb.google_dot_protobuf_dot_empty__pb2.Empty(),
                  pb.AnyPayload()]:
        a = any_pb2.Any()
        a.Pack(inner, deterministic=True)
        anys.append(a)
    nested_any = any_pb2.Any()
    nested_any.Pack(anys[0], deterministic=True)
    anys.append(nested_any)
    add("any_everything", T(optional_any=anys[0], repeated_any=anys + [any_pb2.Any()]))
    deep = T()
    cursor = deep
    for i in range(80):
        cursor.optional_int32 = i
        cursor = cursor.recursive
    cursor.optional_string = "bottom"
    add("deep_nesting", deep)
    co = T(optional_nested=T.Nested(a=1, corecursive=T(optional_nested=T.Nested(a=2, tags=["t"]))))
    add("corecursion", co)
    add("json_names", T(fieldname1=1, field_name2=2, _field_name3=3, field__name4_=4, field0name5=5, field_0_name6=6,
                        field_name7=7, renamed=8, declared_last_numbered_low=30))
    add("all_maps", T(map_int32_int32={-1: 1, 5: 0, 2: -2}, map_uint32_uint32={4294967295: 1, 0: 0},
                      map_sint32_sint32={-2147483648: 2147483647}, map_uint64_uint64={18446744073709551615: 0},
                      map_sint64_sint64={-5: 5}, map_fixed32_fixed32={7: 7}, map_fixed64_fixed64={8: 8},
                      map_sfixed32_sfixed32={-9: -9}, map_sfixed64_sfixed64={-10: 10}, map_int32_float={1: 0.1},
                      map_int32_double={1: -0.0}, map_bool_bool={True: False, False: True},
                      map_string_bytes={"b": b"\x00\xff"}, map_string_nested={"n": T.Nested(), "m": T.Nested(a=3)},
                      map_string_nested_enum={"e": 2, "u": 9}))
    add("unpacked", T(unpacked_int32=[1, -1, 0], unpacked_double=[0.5, -0.0]))
    add("order", pb.Order(id="o-1", customer="c", items=[pb.Order.Item(sku="s", quantity=2, price_micros=1500000)],
                          color=1, created_at=timestamp_pb2.Timestamp(seconds=1700000000, nanos=5000000),
                          labels={"a": "b"}, total=3.0))
    add("top_level_struct", s)
    add("top_level_timestamp", timestamp_pb2.Timestamp(seconds=1, nanos=999000000))
    add("top_level_duration", duration_pb2.Duration(seconds=-7))
    add("top_level_int64_wrapper", wrappers_pb2.Int64Value(value=9))
    add("top_level_empty_wrapper", wrappers_pb2.StringValue())
    add("top_level_value_number", struct_pb2.Value(number_value=2.5))
    add("top_level_list", struct_pb2.ListValue(values=[struct_pb2.Value(string_value="a")]))
    add("top_level_any", anys[2])
    add("top_level_field_mask", field_mask_pb2.FieldMask(paths=["a", "b_c"]))
    P = pb2.Proto2Message
    add("proto2_defaults_present", P(opt_int32=0, opt_string="", opt_enum=0, with_default=42, req_int32=0, opt_bool=False,
                                     opt_float=0.0, opt_bytes=b""))
    p = P(req_int32=1, rep_int32=[1, 2], packed_int32=[3, 4], rep_enum=[0, 10], map_enum={"a": 1}, kind_string="k")
    p.data.group_int32 = 5
    p.data.group_string = "g"
    p.child.opt_int64 = -3
    add("proto2_group_and_repeated", p)
    add("proto2_missing_required", P(opt_int32=3))
    add("proto2_oneof_default", P(kind_int=0, req_int32=1))
    return cases


# Wire bytes built by hand: things serializers do not write but parsers must take.
def raw_cases():
    def varint(n):
        n &= (1 << 64) - 1
        out = b""
        while n >= 0x80:
            out += bytes([n & 0x7F | 0x80])
            n >>= 7
        return out + bytes([n])

    def tag(number, wire):
        return varint(number << 3 | wire)

    def ld(number, body):
        return tag(number, 2) + varint(len(body)) + body

    nested_a = lambda a: ld(16, tag(1, 0) + varint(a))
    return [
        # Scalar repeated: last wins.
        ("raw_last_scalar_wins", "testing.v1.json.TestAllTypes", tag(1, 0) + varint(1) + tag(1, 0) + varint(2)),
        # Sub-message repeated: merges.
        ("raw_message_merge", "testing.v1.json.TestAllTypes",
         ld(16, tag(1, 0) + varint(5)) + ld(16, ld(3, b"t")) + ld(16, ld(3, b"u"))),
        # Fields out of number order, unknown fields (varint, fixed, length-delimited, group).
        ("raw_out_of_order_unknown", "testing.v1.json.TestAllTypes",
         tag(14, 2) + varint(1) + b"z" + tag(999, 0) + varint(7) + tag(1, 0) + varint(3) + tag(998, 1) + b"\0" * 8
         + tag(997, 2) + varint(2) + b"ab" + tag(996, 3) + tag(1, 0) + varint(1) + tag(996, 4) + tag(995, 5) + b"\0" * 4),
        # Packed field sent unpacked and mixed; unpacked field sent packed.
        ("raw_packed_mixed", "testing.v1.json.TestAllTypes",
         tag(31, 0) + varint(1) + ld(31, varint(2) + varint(3)) + tag(31, 0) + varint(4)
         + ld(49, varint(7) + varint(8))),
        # Oneof: two members, the last wins.
        ("raw_oneof_last_wins", "testing.v1.json.TestAllTypes", tag(111, 0) + varint(5) + ld(113, b"s")),
        ("raw_oneof_message_then_other_then_message", "testing.v1.json.TestAllTypes",
         ld(112, tag(1, 0) + varint(1)) + tag(111, 0) + varint(5) + ld(112, ld(3, b"x"))),
        # Map entry with missing key/value, duplicate key (last wins).
        ("raw_map_missing_parts", "testing.v1.json.TestAllTypes",
         ld(69, ld(2, b"v")) + ld(69, ld(1, b"k")) + ld(56, tag(1, 0) + varint(1) + tag(2, 0) + varint(1))
         + ld(56, tag(1, 0) + varint(1) + tag(2, 0) + varint(9))),
        # Implicit-presence field written at its default: absent.
        ("raw_explicit_zero", "testing.v1.json.TestAllTypes", tag(1, 0) + varint(0) + ld(14, b"") + tag(12, 1) + b"\0" * 8),
        # int32 written as a 10-byte negative varint and a 64-bit overflowing varint.
        ("raw_int32_sign_extended", "testing.v1.json.TestAllTypes", tag(1, 0) + varint(-5) + tag(3, 0) + varint((1 << 40) + 7)),
        # A closed enum value it does not name is an unknown field.
        ("raw_closed_enum_unknown", "testing.v1.json2.Proto2Message",
         tag(10, 0) + varint(1) + tag(10, 0) + varint(5) + tag(22, 0) + varint(3) + tag(22, 0) + varint(10)),
        ("raw_wrong_wire_type", "testing.v1.json.TestAllTypes", tag(1, 2) + varint(1) + b"x" + tag(2, 0) + varint(9)),
        # Values JSON cannot express: the reference refuses them, and so must the encoder.
        ("refused_value_nan", "testing.v1.json.TestAllTypes", ld(306, tag(2, 1) + struct.pack("<d", float("nan")))),
        ("refused_value_infinity", "testing.v1.json.TestAllTypes",
         ld(316, tag(2, 1) + struct.pack("<d", float("-inf")))),
        ("refused_timestamp_too_late", "testing.v1.json.TestAllTypes", ld(302, tag(1, 0) + varint(253402300800))),
        ("refused_timestamp_too_early", "testing.v1.json.TestAllTypes", ld(302, tag(1, 0) + varint(-62135596801))),
        ("refused_timestamp_negative_nanos", "testing.v1.json.TestAllTypes", ld(302, tag(2, 0) + varint(-1))),
        ("refused_duration_sign_mismatch", "testing.v1.json.TestAllTypes",
         ld(301, tag(1, 0) + varint(1) + tag(2, 0) + varint(-1))),
        ("refused_duration_too_long", "testing.v1.json.TestAllTypes", ld(301, tag(1, 0) + varint(315576000001))),
        ("refused_field_mask_upper_case", "testing.v1.json.TestAllTypes", ld(303, ld(1, b"fooBar"))),
        ("refused_field_mask_trailing_underscore", "testing.v1.json.TestAllTypes", ld(303, ld(1, b"foo_"))),
        ("refused_any_unknown_type", "testing.v1.json.TestAllTypes",
         ld(305, ld(1, b"type.googleapis.com/no.Such") + ld(2, b""))),
    ]


# --- JSON inputs ---------------------------------------------------------------------------------

T_NAME = "testing.v1.json.TestAllTypes"
P2_NAME = "testing.v1.json2.Proto2Message"

VALID_INPUTS = [
    ("proto_names", T_NAME, '{"optional_int32": 5, "repeated_string": ["a"], "map_string_string": {"k": "v"}}'),
    ("json_names", T_NAME, '{"optionalInt32": 5, "FIELD_NAME7": 7, "@renamed!": 8, "FieldName3": 3}'),
    ("proto_name_with_json_name", T_NAME, '{"field_name7": 7}'),
    ("numbers_as_strings", T_NAME, '{"optionalInt32": "-12", "optionalUint32": "4294967295", "optionalInt64": 9007199254740993, '
                                   '"optionalUint64": "18446744073709551615", "optionalFloat": "1.5", "optionalDouble": "-2e-3", '
                                   '"optionalFixed64": 12, "optionalSint64": "-9223372036854775808"}'),
    ("exponents_and_fractions", T_NAME, '{"optionalInt32": 1e2, "optionalInt64": "1E3", "optionalUint32": 5.0, '
                                        '"repeatedInt32": [1.0e1, -2E+0, "3.0"], "optionalDouble": 1E-2}'),
    ("float_specials", T_NAME, '{"optionalDouble": "NaN", "optionalFloat": "-Infinity", "repeatedDouble": ["Infinity", -0.0, 0]}'),
    ("float_extremes", T_NAME, '{"optionalFloat": 3.4028234663852886e38, "optionalDouble": 1.7976931348623157e308, '
                               '"repeatedFloat": [-3.4028234663852886e38, 1e-45]}'),
    ("base64_alphabets", T_NAME, '{"optionalBytes": "-_8=", "repeatedBytes": ["+/8=", "-_8", "AQID", "AQ", "AQI=", ""]}'),
    ("null_as_unset", T_NAME, '{"optionalInt32": null, "optionalNested": null, "repeatedInt32": null, "mapStringString": null, '
                              '"optionalString": null, "oneofUint32": null, "optionalTimestamp": null}'),
    ("null_for_value_and_null_value", T_NAME, '{"optionalValue": null, "optionalNullValue": null, "oneofNullValue": null, '
                                              '"repeatedValue": [null, 1, "s", true, {"a": null}, [null]]}'),
    ("enums_any_form", T_NAME, '{"optionalColor": "COLOR_AZURE", "repeatedColor": [1, "COLOR_BLUE", -1, 42, "2"], '
                               '"optionalNestedEnum": 2, "mapStringNestedEnum": {"a": "BAR", "b": 0}}'),
    ("map_keys_all_types", T_NAME, '{"mapInt32Int32": {"-1": 2, "3": "4"}, "mapBoolBool": {"true": true, "false": false}, '
                                   '"mapUint64Uint64": {"18446744073709551615": "1"}, "mapSint64Sint64": {"-9223372036854775808": 1}, '
                                   '"mapFixed32Fixed32": {"1": 1}, "mapSfixed64Sfixed64": {"-1": "-1"}, "mapInt64Int64": {"1": 1}}'),
    ("empty_containers", T_NAME, '{"repeatedInt32": [], "mapInt32Int32": {}, "optionalNested": {}, "optionalStruct": {}, '
                                 '"optionalListValue": [], "optionalEmpty": {}}'),
    ("whitespace", T_NAME, ' \n\t{ "optionalInt32" :\r 1 ,\n "repeatedInt32" : [ 1 , 2 ] } \n'),
    ("string_escapes", T_NAME, r'{"optionalString": "\u0041\u00e9\u20ac\ud83d\ude00\"\\\/\b\f\n\r\t\u0000"}'),
    ("raw_unicode", T_NAME, '{"optionalString": "é€😀\u2028"}'),
    ("timestamps_offsets", T_NAME, '{"optionalTimestamp": "1970-01-01T00:00:00+01:00", "repeatedTimestamp": '
                                   '["1972-01-01T10:00:20.021-05:30", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", '
                                   '"2000-02-29T12:00:00.5Z", "2020-01-01T00:00:00.000001Z"]}'),
    ("durations_forms", T_NAME, '{"optionalDuration": "1.5s", "repeatedDuration": ["-0.5s", "0s", "315576000000s", "1.000000001s", '
                                '"-315576000000.999999999s", "3.1s"]}'),
    ("field_mask_forms", T_NAME, '{"optionalFieldMask": "fooBar.bazQux,a"}'),
    ("field_mask_empty", T_NAME, '{"optionalFieldMask": ""}'),
    ("wrappers_forms", T_NAME, '{"optionalInt64Wrapper": "5", "optionalUint32Wrapper": 7, "optionalBoolWrapper": false, '
                               '"optionalStringWrapper": "", "optionalBytesWrapper": "AQ==", "optionalFloatWrapper": "NaN", '
                               '"optionalDoubleWrapper": 0, "repeatedInt32Wrapper": [1, 0], "optionalInt32Wrapper": null}'),
    ("any_regular", T_NAME, '{"optionalAny": {"@type": "type.googleapis.com/testing.v1.json.AnyPayload", "name": "n", "id": "5"}}'),
    ("any_type_last", T_NAME, '{"optionalAny": {"name": "n", "colors": ["COLOR_RED"], "@type": "type.googleapis.com/testing.v1.json.AnyPayload"}}'),
    ("any_wkt", T_NAME, '{"repeatedAny": [{"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": "1970-01-01T00:00:01Z"}, '
                        '{"@type": "type.googleapis.com/google.protobuf.Int32Value", "value": 5}, '
                        '{"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": [1]}}, '
                        '{"@type": "type.googleapis.com/google.protobuf.Value", "value": null}, '
                        '{"@type": "type.googleapis.com/google.protobuf.Empty"}, {}]}'),
    ("any_nested_any", T_NAME, '{"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Any", "value": '
                               '{"@type": "type.googleapis.com/testing.v1.json.AnyPayload", "id": 1}}}'),
    ("struct_everything", T_NAME, '{"optionalStruct": {"n": 1, "s": "x", "b": true, "z": null, "l": [1, [2], {}], "o": {"p": {}}}, '
                                  '"optionalValue": [1, "a"], "optionalListValue": [{"k": "v"}, 2.5e3]}'),
    ("value_big_number", T_NAME, '{"optionalValue": 12345678901234567890}'),
    ("recursive", T_NAME, '{"recursive": {"recursive": {"optionalInt32": 1, "optionalNested": {"corecursive": {"optionalString": "x"}}}}}'),
    ("unknown_field_ignored", T_NAME, '{"noSuchField": {"a": [1, 2, {"b": null}]}, "optionalInt32": 1}'),
    ("unknown_enum_ignored", T_NAME, '{"optionalColor": "COLOR_PURPLE", "repeatedColor": ["COLOR_RED", "NOPE"], "mapStringNestedEnum": {"a": "NOPE"}}'),
    ("proto2_message", P2_NAME, '{"optInt32": 0, "reqInt32": 5, "data": {"groupInt32": 1}, "repEnum": ["CLOSED_TEN", 1], '
                                '"mapEnum": {"x": "CLOSED_ONE"}, "kindString": "", "child": {"withDefault": 42}}'),
    ("proto2_missing_required", P2_NAME, '{"optInt32": 1}'),
    ("top_level_timestamp", "google.protobuf.Timestamp", '"2017-01-15T01:30:15.010Z"'),
    ("top_level_value", "google.protobuf.Value", '{"a": [true, null]}'),
    ("top_level_null_value", "google.protobuf.Value", 'null'),
    ("top_level_wrapper", "google.protobuf.UInt64Value", '"18446744073709551615"'),
    ("top_level_struct_empty", "google.protobuf.Struct", '{}'),
    ("order", "testing.v1.json.Order", '{"id": "o-1", "items": [{"sku": "a", "quantity": 2, "priceMicros": "1500000"}], '
                                       '"color": "COLOR_GREEN", "createdAt": "2024-05-01T12:00:00Z", "labels": {"k": "v"}, "total": 3}'),
]

INVALID_INPUTS = [
    # (name, type, json, ignore_unknown_fields)
    ("not_json", T_NAME, '{"optionalInt32": }', False),
    ("trailing_garbage", T_NAME, '{"optionalInt32": 1} x', False),
    ("trailing_comma", T_NAME, '{"optionalInt32": 1,}', False),
    ("unterminated", T_NAME, '{"optionalInt32": 1', False),
    ("single_quotes", T_NAME, "{'optionalInt32': 1}", False),
    ("top_level_array", T_NAME, '[]', False),
    ("top_level_null", T_NAME, 'null', False),
    ("duplicate_key", T_NAME, '{"optionalInt32": 1, "optionalInt32": 2}', False),
    ("unknown_field_strict", T_NAME, '{"noSuchField": 1}', False),
    ("int_from_fraction", T_NAME, '{"optionalInt32": 1.5}', False),
    ("int_from_bad_string", T_NAME, '{"optionalInt32": "abc"}', False),
    ("int_from_empty_string", T_NAME, '{"optionalInt32": ""}', False),
    ("int_from_bool", T_NAME, '{"optionalInt32": true}', False),
    ("int32_overflow", T_NAME, '{"optionalInt32": 2147483648}', False),
    ("int32_underflow", T_NAME, '{"optionalInt32": -2147483649}', False),
    ("uint32_negative", T_NAME, '{"optionalUint32": -1}', False),
    ("uint32_overflow", T_NAME, '{"optionalUint32": 4294967296}', False),
    ("int64_overflow", T_NAME, '{"optionalInt64": "9223372036854775808"}', False),
    ("uint64_overflow", T_NAME, '{"optionalUint64": "18446744073709551616"}', False),
    ("uint64_negative", T_NAME, '{"optionalUint64": "-1"}', False),
    ("int_with_space", T_NAME, '{"optionalInt32": " 1"}', False),
    ("int_exponent_fraction", T_NAME, '{"optionalInt32": 1e-1}', False),
    ("float_too_large", T_NAME, '{"optionalFloat": 3.5e38}', False),
    ("float_bad_string", T_NAME, '{"optionalFloat": "one"}', False),
    ("double_lowercase_nan", T_NAME, '{"optionalDouble": "nan"}', False),
    ("double_overflow_literal", T_NAME, '{"optionalDouble": 1e400}', False),
    ("bool_from_string", T_NAME, '{"optionalBool": "true"}', False),
    ("bool_from_number", T_NAME, '{"optionalBool": 1}', False),
    ("string_from_number", T_NAME, '{"optionalString": 1}', False),
    ("lone_high_surrogate", T_NAME, '{"optionalString": "\\ud800"}', False),
    ("lone_low_surrogate", T_NAME, '{"optionalString": "a\\udc00b"}', False),
    ("reversed_surrogates", T_NAME, '{"optionalString": "\\udc00\\ud800"}', False),
    ("bad_escape", T_NAME, '{"optionalString": "\\x41"}', False),
    ("control_char_in_string", T_NAME, '{"optionalString": "a\nb"}', False),
    ("enum_unknown_name", T_NAME, '{"optionalColor": "COLOR_PURPLE"}', False),
    ("closed_enum_unknown_number", P2_NAME, '{"optEnum": 5}', False),
    ("repeated_not_array", T_NAME, '{"repeatedInt32": 1}', False),
    ("null_in_repeated", T_NAME, '{"repeatedInt32": [1, null]}', False),
    ("null_in_repeated_message", T_NAME, '{"repeatedNested": [null]}', False),
    ("map_not_object", T_NAME, '{"mapStringString": []}', False),
    ("map_bad_int_key", T_NAME, '{"mapInt32Int32": {"x": 1}}', False),
    ("map_bad_bool_key", T_NAME, '{"mapBoolBool": {"1": true}}', False),
    ("map_duplicate_key", T_NAME, '{"mapStringString": {"a": "1", "a": "2"}}', False),
    ("map_value_wrong_type", T_NAME, '{"mapInt32Int32": {"1": "x"}}', False),
    ("message_not_object", T_NAME, '{"optionalNested": 1}', False),
    ("nested_error_path", T_NAME, '{"repeatedNested": [{"a": 1}, {"a": "abc"}]}', False),
    ("oneof_two_members", T_NAME, '{"oneofUint32": 1, "oneofString": "x"}', False),
    ("bytes_bad_chars", T_NAME, '{"optionalBytes": "a b"}', False),
    ("bytes_not_string", T_NAME, '{"optionalBytes": 1}', False),
    ("timestamp_lowercase_t", T_NAME, '{"optionalTimestamp": "1970-01-01t00:00:00Z"}', False),
    ("timestamp_no_offset", T_NAME, '{"optionalTimestamp": "1970-01-01T00:00:00"}', False),
    ("timestamp_too_many_digits", T_NAME, '{"optionalTimestamp": "1970-01-01T00:00:00.1234567890Z"}', False),
    ("timestamp_out_of_range", T_NAME, '{"optionalTimestamp": "0000-12-31T23:59:59Z"}', False),
    ("timestamp_not_string", T_NAME, '{"optionalTimestamp": 1}', False),
    ("timestamp_bad_date", T_NAME, '{"optionalTimestamp": "2021-02-30T00:00:00Z"}', False),
    ("duration_no_suffix", T_NAME, '{"optionalDuration": "1"}', False),
    ("duration_out_of_range", T_NAME, '{"optionalDuration": "315576000001s"}', False),
    ("duration_not_number", T_NAME, '{"optionalDuration": "xs"}', False),
    ("field_mask_underscore", T_NAME, '{"optionalFieldMask": "foo_bar"}', False),
    ("any_without_type", T_NAME, '{"optionalAny": {"name": "x"}}', False),
    ("any_unknown_type", T_NAME, '{"optionalAny": {"@type": "type.googleapis.com/no.Such"}}', False),
    ("any_wkt_missing_value", T_NAME, '{"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Duration"}}', False),
    ("struct_not_object", T_NAME, '{"optionalStruct": 1}', False),
    ("list_value_not_array", T_NAME, '{"optionalListValue": {}}', False),
    ("wrapper_wrong_type", T_NAME, '{"optionalInt32Wrapper": "x"}', False),
    ("too_deep", T_NAME, '{"recursive": ' * 101 + '{}' + '}' * 101, False),
    ("nonstandard_nan_literal", T_NAME, '{"optionalDouble": NaN}', False),
    ("empty_input", T_NAME, '', False),
    ("leading_zero", T_NAME, '{"optionalInt32": 01}', False),
    ("unknown_field_in_nested_strict", T_NAME, '{"optionalNested": {"zzz": 1}}', False),
]


def parse(type_name, text, ignore_unknown=False):
    descriptor = json_format.descriptor_pool.Default().FindMessageTypeByName(type_name)
    from google.protobuf import message_factory
    message = message_factory.GetMessageClass(descriptor)()
    json_format.Parse(text, message, ignore_unknown_fields=ignore_unknown)
    return message


def new_message(type_name):
    from google.protobuf import message_factory
    descriptor = json_format.descriptor_pool.Default().FindMessageTypeByName(type_name)
    return message_factory.GetMessageClass(descriptor)()


def b64text(text):
    """JSON texts travel base64-encoded, so no JSON reader on the test side can touch their bytes."""
    return base64.b64encode(text.encode("utf-8")).decode()


def encode_record(name, message, option_sets):
    wire = message.SerializePartialToString(deterministic=True)
    reparsed = type(message)()
    reparsed.ParseFromString(wire)
    expected = {}
    for option_set in option_sets:
        try:
            expected[option_set] = {"json": b64text(reference_json(reparsed, option_set))}
        except Exception as error:  # the reference refuses: record why
            expected[option_set] = {"error": str(error)}
    return {"name": name, "type": message.DESCRIPTOR.full_name, "wire": base64.b64encode(wire).decode(),
            "expected": expected}


def main(out_dir):
    rng = random.Random(SEED)
    filler = Filler(rng)
    all_sets = list(OPTION_SETS)
    with open(f"{out_dir}/encode.jsonl", "w", encoding="utf-8") as out:
        count = 0
        for name, message in edge_cases():
            # The two big ones under every option set would be most of the corpus: two sets suffice.
            option_sets = ["default", "enumInts"] if name in ("deep_nesting", "large_repeated") else all_sets
            out.write(json.dumps(encode_record(name, message, option_sets), ensure_ascii=False) + "\n")
            count += 1
        for name, type_name, wire in raw_cases():
            message = new_message(type_name)
            message.ParseFromString(wire)
            expected = {}
            for option_set in all_sets:
                try:
                    expected[option_set] = {"json": b64text(reference_json(message, option_set))}
                except Exception as error:
                    expected[option_set] = {"error": str(error)}
            record = {"name": name, "type": type_name, "wire": base64.b64encode(wire).decode(), "expected": expected}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        for index in range(1500):
            if index % 10 == 9:
                message = pb2.Proto2Message()
            elif index % 10 == 8:
                message = pb.Order()
            else:
                message = pb.TestAllTypes()
            filler.fill(message, density=rng.choice([0.05, 0.1, 0.2]))
            option_sets = all_sets if index % 20 == 0 else ["default"]
            out.write(json.dumps(encode_record(f"random_{index}", message, option_sets), ensure_ascii=False) + "\n")
            count += 1
    print(f"encode.jsonl: {count} cases")

    with open(f"{out_dir}/decode_valid.jsonl", "w", encoding="utf-8") as out:
        for name, type_name, text in VALID_INPUTS:
            message = parse(type_name, text, ignore_unknown=name.startswith("unknown_"))
            record = {"name": name, "type": type_name, "input": b64text(text),
                      "wire": base64.b64encode(message.SerializePartialToString(deterministic=True)).decode(),
                      "json": b64text(reference_json(message, "default"))}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"decode_valid.jsonl: {len(VALID_INPUTS)} cases")

    with open(f"{out_dir}/decode_invalid.jsonl", "w", encoding="utf-8") as out:
        for name, type_name, text, ignore_unknown in INVALID_INPUTS:
            try:
                parse(type_name, text, ignore_unknown)
            except json_format.ParseError as error:
                reason = str(error)
            else:
                print(f"  note: {name} is accepted by the reference; left out", file=sys.stderr)
                continue
            record = {"name": name, "type": type_name, "input": b64text(text), "ignoreUnknownFields": ignore_unknown,
                      "reason": reason}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print("decode_invalid.jsonl written")


if __name__ == "__main__":
    main(sys.argv[1])
