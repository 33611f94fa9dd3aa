public import Schema

/// The per-pool part of the codec, built once: the field tables every encoder, decoder and
/// field-value encoder reads. Building them walks the whole pool, which costs far more than
/// converting a message, so a server builds one codec at start and asks it for encoders and
/// decoders per call (they share the tables and cost nothing to make).
///
/// ```swift
/// let codec = ProtoJSONCodec(pool: pool)                  // at start
/// let json = try codec.encoder(options: options).encode(messageIndex: index, wireBytes: bytes)
/// ```
public final class ProtoJSONCodec: Sendable {
    /// The schema.
    public let pool: DescriptorPool
    let tables: CodecTables

    /// Lays out the tables for `pool`.
    public init(pool: DescriptorPool) {
        self.pool = pool
        self.tables = CodecTables(pool: pool)
    }

    /// An encoder (wire → JSON) with `options`, sharing this codec's tables.
    public func encoder(options: ProtoJSONOptions = ProtoJSONOptions()) -> ProtoJSONEncoder {
        ProtoJSONEncoder(tables: tables, options: options)
    }

    /// A decoder (JSON → wire) with `options`, sharing this codec's tables.
    public func decoder(options: ProtoJSONOptions = ProtoJSONOptions()) -> ProtoJSONDecoder {
        ProtoJSONDecoder(tables: tables, options: options)
    }

    /// The encoder of single URL values into fields, sharing this codec's tables.
    public var fieldValueEncoder: FieldValueEncoder {
        FieldValueEncoder(tables: tables)
    }
}
