/// `Optional`, recognised at run time (`type as? any ZCachedOptional.Type`) without also matching
/// other `ExpressibleByNilLiteral` types, such as a JSON value with a null case.
protocol ZCachedOptional {
    /// `nil` of this type.
    static var zcachedNone: Self { get }
}

extension Optional: ZCachedOptional {
    static var zcachedNone: Self { .none }
}
