/// Marks `Set`, so the encoder stores it as an unordered set rather than an array.
protocol ZCachedUnorderedCollection {}

extension Set: ZCachedUnorderedCollection {}
