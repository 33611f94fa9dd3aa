/// `google.protobuf.FieldMask` (https://protobuf.dev/programming-guides/json/, "FieldMask"): the
/// paths joined by commas, each converted between `snake_case` on the wire and `lowerCamel` in JSON
/// (`user.display_name,photo` ⇄ `"user.displayName,photo"`).
enum FieldMaskFormat {
    /// `snake_case` → `lowerCamel`. Like the reference, a path that would not convert back (an
    /// upper-case letter, or `_` not followed by a lower-case letter) is an error.
    static func camelCase(_ path: String) throws(ProtoJSONError) -> String {
        var result = ""
        var afterUnderscore = false
        for scalar in path.unicodeScalars {
            if scalar.properties.isUppercase {
                throw ProtoJSONError(reason: "FieldMask path \"\(path)\" contains an upper-case letter")
            }
            if afterUnderscore {
                guard scalar.properties.isLowercase else {
                    throw ProtoJSONError(
                        reason: "FieldMask path \"\(path)\" has a \"_\" not followed by a lower-case letter"
                    )
                }
                result += String(scalar).uppercased()
                afterUnderscore = false
            } else if scalar == "_" {
                afterUnderscore = true
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        if afterUnderscore {
            throw ProtoJSONError(reason: "FieldMask path \"\(path)\" ends with \"_\"")
        }
        return result
    }

    /// `lowerCamel` → `snake_case`; a `_` in JSON is an error.
    static func snakeCase(_ path: Substring) throws(ProtoJSONError) -> String {
        var result = ""
        for scalar in path.unicodeScalars {
            if scalar == "_" {
                throw ProtoJSONError(reason: "FieldMask path \"\(path)\" must not contain \"_\"")
            }
            if scalar.properties.isUppercase {
                result += "_" + String(scalar).lowercased()
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension EncoderRun {
    /// Writes a FieldMask as one quoted string of comma-separated lowerCamel paths.
    mutating func fieldMask(_ source: UnsafeRawBufferPointer, _ range: Range<Int>) throws(ProtoJSONError) {
        var paths: [String] = []
        try WireFields.forEach(source, range) { (number, wireType, value) throws(ProtoJSONError) in
            if number == 1 && wireType == 2 {
                try UTF8Validation.validate(source, value)
                paths.append(try FieldMaskFormat.camelCase(WireFields.string(source, value)))
            }
        }
        writer.string(paths.joined(separator: ","))
    }
}

extension DecoderRun {
    /// Reads a FieldMask: comma-separated lowerCamel paths, written as snake_case `paths` (field 1).
    mutating func fieldMaskValue() throws(ProtoJSONError) {
        let text = String(decoding: try wellKnownString("FieldMask"), as: UTF8.self)
        if text.isEmpty {
            return
        }
        for path in text.split(separator: ",", omittingEmptySubsequences: false) {
            let snake = try FieldMaskFormat.snakeCase(path)
            out.append(0x0A)
            WireWriter.appendVarint(UInt64(snake.utf8.count), to: &out)
            out.append(contentsOf: snake.utf8)
        }
    }
}
