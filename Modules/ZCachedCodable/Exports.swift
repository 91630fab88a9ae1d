// `import ZCachedCodable` brings the clients it extends.
@_exported import ZCachedClient
