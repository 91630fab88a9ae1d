// `import ZCachedClient` is all an application needs: the values, errors, connections and pool
// types the clients expose come with it.
@_exported import ZCachedCore
@_exported import ZCachedPool
@_exported import ZCachedTransport
