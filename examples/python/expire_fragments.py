"""Expire platen's cached fragments from another framework (docs/cache-protocol.md).

In a Django project, call it from a post_save handler:

    @receiver(post_save, sender=Post)
    def post_saved(sender, instance, **kwargs):
        expire(redis.Redis.from_url(settings.PLATEN_REDIS_URL), [f"post:{instance.pk}"], model="Post")

From a shell: python3 expire_fragments.py redis://127.0.0.1:6379/0 post:42
"""
import json
import sys

import redis


def expire(r, deps, action="save", channel="platen:expire", **metadata):
    """Delete every fragment that showed one of `deps`; tell every platen process."""
    removed = 0
    for dep in deps:
        # Refuse fragments whose render began before this expiry (optional).
        r.set(f"gen:{dep}", r.incr("platen:seq"), ex=600)
        keys = r.smembers(f"obj:{dep}")
        pipe = r.pipeline(transaction=True)
        for key in keys:
            pipe.delete(key, b"sobj:" + key)
        pipe.delete(f"obj:{dep}")
        pipe.execute()
        removed += len(keys)
    r.publish(channel, json.dumps({"action": action, "deps": list(deps), **metadata}))
    return removed


if __name__ == "__main__":
    url, *deps = sys.argv[1:]
    print(expire(redis.Redis.from_url(url), deps, model="Post"))
