"""The app's HTTP edge, outside Reflex's own handlers: the guards every request
passes (origin, host, loopback-only), and the operators' routes (health, metrics).

Plain ASGI/Starlette; nothing here imports Reflex. The app module wires it in.
"""
