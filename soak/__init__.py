"""A seeded fault soak: thousands of simulator faults against the gateway client.

One ``random.Random(seed)`` chooses every fault, every pause and every
presence change; the client and the simulator share one virtual clock, and
bytes cross real loopback sockets. The same seed replays the same campaign.
"""
