/// A record of one of two streams: what two-input operators see after `connect`, and what a
/// join's late output holds.
///
/// ```swift
/// switch record { case .first(let order): …; case .second(let payment): … }
/// ```
public enum Either<First: Sendable, Second: Sendable>: Sendable {
    case first(First)
    case second(Second)

    /// The first stream's record, if this is one.
    @inlinable public var first: First? {
        if case .first(let value) = self { return value }
        return nil
    }

    /// The second stream's record, if this is one.
    @inlinable public var second: Second? {
        if case .second(let value) = self { return value }
        return nil
    }
}

extension Either: Equatable where First: Equatable, Second: Equatable {}
extension Either: Hashable where First: Hashable, Second: Hashable {}
extension Either: Codable where First: Codable, Second: Codable {}
