"""The gRPC service `scheduler.v1.SchedulerService`: the only package that imports `scheduler.v1`.

`convert` maps protobuf ↔ domain, `servicer` is the thin RPC layer, `jobs` runs durable jobs,
`limits` and `auth` guard the door, `server` assembles it all (`create_server`), `main` is
`scheduler serve`.
"""
