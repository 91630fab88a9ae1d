extension Duration {
    /// The duration's `components`, clamped to the range they can hold: past `Int64.max`
    /// seconds either way `components` traps, and a timeout or delay that long means
    /// "practically never", not a crash.
    package var saturatingComponents: (seconds: Int64, attoseconds: Int64) {
        min(max(self, .seconds(Int64.min)), .seconds(Int64.max)).components
    }
}
