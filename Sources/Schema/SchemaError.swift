/// Why a descriptor set was refused.
///
/// The gateway cannot serve a method whose types it cannot see, so an incomplete or corrupt set
/// stops start-up. The message names the descriptor set file (when known), the `.proto` file and
/// the element at fault, and what is missing, so the fix (usually `protoc --include_imports`) is
/// obvious.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// The category of the problem.
    public var code: Code
    /// The descriptor set file the problem was found in, as the caller named it, if known.
    public var file: String?
    /// What is wrong, naming the element at fault.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The category.
    ///   - file: The descriptor set file, if known.
    ///   - message: What is wrong.
    public init(code: Code, file: String? = nil, message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    /// `file: message`, or the message alone when no file is known.
    public var description: String {
        file.map { "\($0): \(message)" } ?? message
    }
}

extension SchemaError {
    /// A stable category for a ``SchemaError``, compared in tests instead of message text.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The category's name, e.g. `dangling-reference`.
        public var name: String

        /// Creates a category; the module's own codes are the static members below.
        /// - Parameter name: The category's stable name.
        public init(_ name: String) {
            self.name = name
        }

        /// The category's name.
        public var description: String { name }

        /// The file could not be read.
        public static let unreadableFile = Code("unreadable-file")
        /// The bytes are not a serialized `google.protobuf.FileDescriptorSet`.
        public static let notADescriptorSet = Code("not-a-descriptor-set")
        /// A field or method refers to a type that no loaded file defines.
        public static let danglingReference = Code("dangling-reference")
        /// Two files define the same full name, or one file name arrives with two contents.
        public static let duplicateDefinition = Code("duplicate-definition")
        /// A descriptor is malformed (bad field type, bad `google.api.http` bytes, …).
        public static let invalidDescriptor = Code("invalid-descriptor")
        /// The descriptor uses a feature this gateway does not support yet (protobuf editions).
        public static let unsupported = Code("unsupported")
    }
}
