internal import Foundation
internal import Schema

/// The descriptor-set fixture, loaded once for every test.
enum Fixtures {
    /// The path of a fixture file in the test bundle.
    static func path(_ name: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    /// The pool of `fixtures.orders` (see `Fixtures/README.md`).
    static let pool: DescriptorPool = {
        do {
            return try DescriptorPool.load(paths: [path("orders.binpb")])
        } catch {
            fatalError("the fixture descriptor set does not load: \(error)")
        }
    }()

    /// A method of `fixtures.orders.OrderService` by short name.
    static func method(_ name: String) -> MethodSchema {
        guard let method = pool.method(fullName: "fixtures.orders.OrderService.\(name)") else {
            fatalError("no method \(name) in the fixture")
        }
        return method
    }

    /// The index of a message of `fixtures.orders` by short name (`Order.Item` works too).
    static func messageIndex(_ name: String) -> Int {
        guard let index = pool.messageIndex(named: "fixtures.orders.\(name)") else {
            fatalError("no message \(name) in the fixture")
        }
        return index
    }
}
