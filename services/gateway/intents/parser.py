"""Text -> ParsedRequest: what was understood, what was defaulted (and from where), what is missing.

Why deterministic rules: the same words always give the same intent, a person can see
why, and nothing is invented: a field the text does not give is either a named default
(IntentDefaults, with its source) or a question in the user's language. Phrases that try
to steer the server ("ignore the guardrails") are cut out first and listed as ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shared.contracts.intent import PLATFORMS, REGIONS, Action, AppSpec, DeploymentIntent, Persona
from shared.contracts.parse import DefaultedField, ParsedRequest

from services.gateway.intents import cues, extract, lexicon
from services.gateway.intents.defaults import BUILTIN, IntentDefaults
from services.gateway.intents.hostile import find_hostile
from services.gateway.intents.matching import TypoFixer
from services.gateway.intents.questions import ask

_TYPOS = TypoFixer(lexicon.FUZZY_WORDS, keep=("region", "regions", "status", "state", "stage", "private", "images",
                                              "create", "created", "delete", "deletes", "replica", "cluster"))
_HAS_KIND = "kind" in AppSpec.model_fields
_STACK_BEFORE = re.compile(r"(?<![a-z0-9-])([a-z][a-z0-9-]{1,38}[a-z0-9])\s*(?:stack|스택)")


@dataclass
class _Reading:
    """What the parse has gathered so far."""

    language: str
    understood: dict[str, Any] = field(default_factory=dict)
    defaulted: list[DefaultedField] = field(default_factory=list)
    missing: list[MissingField] = field(default_factory=list)

    def read(self, path: str, value: Any) -> Any:
        if value is not None:
            self.understood[path] = value
        return value

    def default(self, path: str, value: Any, source: str) -> Any:
        self.defaulted.append(DefaultedField(field=path, value=value, source=source))
        return value

    def ask(self, key: str, **kwargs: Any) -> None:
        self.missing.append(ask(key, self.language, **kwargs))


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def parse_request(text: str, *, persona: Persona | str | None = None, defaults: IntentDefaults | None = None) -> ParsedRequest:
    """Read a request in Korean, English or both. Never raises for odd text: it asks instead."""
    defaults = defaults or BUILTIN
    ignored, cleaned = find_hostile(normalise(text))
    words, _ = _TYPOS.fix(cleaned)
    reading = _Reading(language=cues.language(text))

    apps = extract.apps(words)
    images = extract.image_refs(words)
    has_target = bool(apps or images or extract.mentions_bucket(words) or
                      (extract.mentions_cluster(words) and (extract.platforms(words) or extract.mentions_kubernetes(words))))
    chosen = _persona(reading, words, persona)

    if cues.is_query(words, has_target):
        chosen = chosen if chosen is not None else Persona(reading.default("persona", Persona.sre.value, "a query reads runs: sre persona"))
        query = reading.read("query", cues.query_of(words))
        return ParsedRequest(text=text, language=reading.language, kind="query", persona=chosen, understood=reading.understood,
                             defaulted=reading.defaulted, query=query, ignored=ignored)
    if chosen is None:
        chosen = Persona(reading.default("persona", defaults.persona.value, defaults.persona.source))

    intent = _change(reading, words, apps, images, defaults)
    return ParsedRequest(text=text, language=reading.language, kind="change", persona=chosen,
                         understood=reading.understood, defaulted=reading.defaulted,
                         missing=reading.missing, intent=None if reading.missing else intent, ignored=ignored)


def _persona(reading: _Reading, words: str, given: Persona | str | None) -> Persona | None:
    """The caller's persona wins; else a cue in the text ('보안 관점에서'); else None (decided later)."""
    if given is not None:
        return Persona(given)
    cue = cues.persona_cue(words)
    return reading.read("persona", cue) if cue else None


def _action(reading: _Reading, words: str, building_app: bool) -> Action:
    if cues.is_destroy(words):
        return reading.read("action", Action("destroy"))
    if cues.is_review_and_deploy(words):
        return reading.read("action", Action.review_and_deploy)
    if building_app:
        return reading.read("action", Action.deploy)
    return reading.read("action", Action.provision)


def _change(reading: _Reading, words: str, apps: list[str], images: list[tuple[str, str]],
            defaults: IntentDefaults) -> DeploymentIntent | None:
    bucket = extract.mentions_bucket(words)
    # "a bucket for application logs" names no app: generic words count only without a bucket.
    wants_app = bool(apps or images or extract.image_without_tag(words) or (extract.generic_app(words) and not bucket))
    action = _action(reading, words, wants_app)
    platforms = extract.platforms(words)
    k8s = extract.mentions_kubernetes(words)
    cluster_word = extract.mentions_cluster(words)

    if action.value in ("review_and_deploy", "destroy") and not (wants_app or bucket or platforms or cluster_word):
        return _previous(reading, words, defaults, action)

    cloud = _cloud(reading, words, platforms, defaults)
    if cloud is None:
        return None
    platform = _platform(reading, platforms, cloud, k8s, wants_app, bucket)
    region = _region(reading, words, cloud, defaults)
    environment = _environment(reading, words, defaults)

    body: dict[str, Any] = {"action": action, "cloud": cloud, "platform": platform, "region": region,
                            "environment": environment}
    # A cluster when the text says "cluster", or names only a platform to create ("EKS 만들어줘");
    # "Deploy to EKS" names where to deploy, not something to build: it asks which app.
    alone = not (wants_app or bucket or cues.is_deploy(words))
    if platform and (cluster_word or alone) and not extract.existing_cluster(words):
        body["cluster"] = _cluster(reading, words, platform, environment)
    if wants_app:
        body["app"] = _app(reading, words, apps, images, environment, defaults)
    if bucket:
        body["buckets"] = [_bucket(reading, words, region, wants_app)]
    if not (wants_app or bucket or body.get("cluster")):
        reading.ask("app" if cues.is_deploy(words) else "target", field="app" if cues.is_deploy(words) else "target")
    for path, value in (("gitops", extract.gitops(words)), ("ci", extract.ci(words))):
        if reading.read(path, value) is not None:
            body[path] = value
    if reading.missing or None in (region, environment):
        return None
    body["stack"] = _stack(reading, words, body)
    return _validated(reading, body)


def _previous(reading: _Reading, words: str, defaults: IntentDefaults, action: Action) -> DeploymentIntent | None:
    """'Terraform 코드 리뷰 후 배포' / 'website 스택 삭제해줘': the stack of the caller's latest run, under this action.

    Only that run's stack is taken: a review when the text names no other stack, a destroy
    only when the text names that very stack. Anything else is asked, never guessed.
    """
    question = "review" if action is Action.review_and_deploy else "destroy"
    named = reading.read("stack", extract.stack_name(words) or _named_stack(words))
    previous = defaults.previous
    # A destroy names its stack; a review may mean "the code I just made".
    if previous is None or (named and named != previous.stack) or (action.value == "destroy" and not named):
        reading.ask(question, field="target")
        return None
    update: dict[str, Any] = {"action": action}
    if (ci := reading.read("ci", extract.ci(words))) is not None:
        update["ci"] = ci
    reading.default("target", previous.target, defaults.previous_source or "the latest run")
    return previous.model_copy(update=update)


def _named_stack(words: str) -> str | None:
    """'website 스택', 'the website stack'."""
    match = _STACK_BEFORE.search(words)
    return match.group(1) if match and extract.valid_name(match.group(1)) else None


def _cloud(reading: _Reading, words: str, platforms: list[str], defaults: IntentDefaults) -> str | None:
    named = extract.clouds(words)
    implied = [lexicon.PLATFORM_CLOUD[p] for p in platforms]
    region_clouds = [extract.REGION_CLOUD[r] for r in extract.region_codes(words)]
    candidates = list(dict.fromkeys(named + implied))
    if len(candidates) > 1:
        explicit = extract.explicit_clouds(words)
        if len(explicit) == 1 and platforms and lexicon.PLATFORM_CLOUD[platforms[0]] != explicit[0]:
            reading.ask("platform", field="platform", choices=sorted(PLATFORMS.values()),
                        platform=platforms[0].upper(), cloud=explicit[0].upper())
        else:
            reading.ask("cloud", field="cloud", choices=candidates)
        return None
    if candidates:
        return reading.read("cloud", candidates[0])
    if len(set(region_clouds)) == 1:
        return reading.read("cloud", region_clouds[0])
    return reading.default("cloud", defaults.cloud.value, defaults.cloud.source)


def _platform(reading: _Reading, platforms: list[str], cloud: str, k8s: bool, wants_app: bool, bucket: bool) -> str | None:
    if platforms:
        return reading.read("platform", platforms[0])
    if k8s:
        return reading.read("platform", PLATFORMS[cloud])
    if wants_app:
        return reading.default("platform", PLATFORMS[cloud], f"the managed Kubernetes of {cloud}")
    return None


def _region(reading: _Reading, words: str, cloud: str, defaults: IntentDefaults) -> str | None:
    codes = extract.region_codes(words)
    places = extract.region_places(words, cloud)
    found = list(dict.fromkeys(codes + places))
    if len(found) > 1:
        reading.ask("region", field="region", choices=found)
        return None
    if found:
        if found[0] not in REGIONS[cloud]:
            reading.ask("region.cloud", field="region", choices=sorted(REGIONS[cloud]), region=found[0], cloud=cloud)
            return None
        return reading.read("region", found[0])
    default = defaults.region(cloud)
    if default is None or default.value not in REGIONS[cloud]:
        reading.ask("region", field="region", choices=sorted(REGIONS[cloud]))
        return None
    return reading.default("region", default.value, default.source)


def _environment(reading: _Reading, words: str, defaults: IntentDefaults) -> str | None:
    found = extract.environments(words)
    if len(found) > 1:
        reading.ask("environment", field="environment", choices=found)
        return None
    if found:
        return reading.read("environment", found[0])
    return reading.default("environment", defaults.environment.value, defaults.environment.source)


def _cluster(reading: _Reading, words: str, platform: str, environment: str | None) -> dict[str, Any]:
    cluster: dict[str, Any] = {}
    name = reading.read("cluster.name", extract.cluster_name(words))
    if name is None or name in lexicon.PLATFORM_CLOUD:
        name = f"mcp-{platform}" if environment in (None, "dev") else f"mcp-{platform}-{environment}"
        reading.default("cluster.name", name, "derived from platform and environment")
    cluster["name"] = name
    if (version := reading.read("cluster.kubernetes_version", extract.kubernetes_version(words))) is not None:
        cluster["kubernetes_version"] = version
    if (instance := reading.read("cluster.node_instance_type", extract.instance_type(words))) is not None:
        cluster["node_instance_type"] = instance
    if (count := reading.read("cluster.node_min", extract.nodes(words))) is not None:
        cluster["node_min"] = count
        cluster["node_max"] = max(count, 4)
    return cluster


def _app(reading: _Reading, words: str, apps: list[str], images: list[tuple[str, str]],
         environment: str | None, defaults: IntentDefaults) -> dict[str, Any]:
    app: dict[str, Any] = {}
    if len(images) > 1 or len(set(apps)) > 1 and not images:
        reading.ask("app.one", field="app", choices=[f"{i}:{t}" for i, t in images] or apps)
        return app
    known = lexicon.APPS_BY_NAME.get(apps[0]) if apps else None
    override = defaults.apps.get(known.name) if known else None
    if images:
        image, tag = images[0]
        name = known.name if known and known.name in image else extract.slug(image.rsplit("/", 1)[-1])
        app["image"], app["tag"] = reading.read("app.image", image), reading.read("app.tag", tag)
    elif known:
        name = known.name
        bare = extract.image_without_tag(words)
        if bare and bare not in lexicon.APPS_BY_NAME:
            app["image"] = reading.read("app.image", bare)
        else:
            image = override.image if override and override.image else known.image
            app["image"] = reading.default("app.image", image, override.source if override and override.image
                                           else f"lexicon: known image of {known.name}")
        tag = extract.app_version(words, [(alias, pos) for value, alias, pos in extract.app_positions(words)])
        if tag is not None:
            app["tag"] = reading.read("app.tag", tag)
        elif "image" in reading.understood:
            app["tag"] = None
        else:
            tag = override.tag if override and override.tag else known.tag
            app["tag"] = reading.default("app.tag", tag, override.source if override and override.tag
                                         else f"lexicon: pinned tag of {known.image}")
    else:
        bare = extract.image_without_tag(words)
        if bare:
            name = extract.slug(bare.rsplit("/", 1)[-1])
            reading.read("app.image", bare)
            reading.ask("app.image", field="app.tag", name=name)
        else:
            reading.ask("app", field="app")
        return app
    app["name"] = reading.read("app.name", name)
    if app.get("tag") in (None, "latest"):
        reading.ask("app.tag", field="app.tag", tag=app.get("tag") or "", image=app.get("image", name))
    if not extract.valid_name(name):
        reading.ask("app", field="app.name")
    port = reading.read("app.port", extract.port(words))
    if port is None and known and not images:
        port = reading.default("app.port", override.port if override and override.port else known.port,
                               f"lexicon: port of {known.image}")
    if port is not None:
        app["port"] = port
    kind = reading.read("app.kind", extract.workload_kind(words))
    if kind is None and known and known.kind != "Deployment" and _HAS_KIND:
        kind = reading.default("app.kind", known.kind, f"lexicon: {known.name} runs as a {known.kind}")
    if _HAS_KIND and kind is not None:
        app["kind"] = kind
    replicas = reading.read("app.replicas", extract.replicas(words))
    if replicas is None and kind != "DaemonSet":
        replicas = reading.default("app.replicas", defaults.replicas.value, defaults.replicas.source)
    if replicas is not None and kind != "DaemonSet":
        app["replicas"] = replicas
    namespace = reading.read("app.namespace", extract.namespace(words))
    if namespace is None:
        namespace = reading.default("app.namespace", defaults.namespace.value, defaults.namespace.source)
    app["namespace"] = namespace
    for path, reader in (("app.expose", extract.expose), ("app.run_as_root", extract.run_as_root),
                         ("app.privileged", extract.privileged)):
        if (value := reading.read(path, reader(words))) is not None:
            app[path.split(".")[1]] = value
    return app


def _bucket(reading: _Reading, words: str, region: str | None, with_app: bool) -> dict[str, Any]:
    bucket: dict[str, Any] = {}
    purpose = extract.purpose(words)
    if purpose:
        bucket["purpose"] = reading.read("buckets.0.purpose", purpose[0])
    name = reading.read("buckets.0.name", extract.given_name(words))
    if name is None:
        short = _region_short(region or "")
        name = "-".join(p for p in ("mcp", purpose[1] if purpose else "data", short) if p)
        reading.default("buckets.0.name", name, "derived from purpose and region")
    bucket["name"] = name
    if (versioning := reading.read("buckets.0.versioning", extract.versioning(words))) is not None:
        bucket["versioning"] = versioning
    if not with_app and (public := reading.read("buckets.0.public_read", extract.public_read(words))) is not None:
        bucket["public_read"] = public
    return bucket


def _region_short(region: str) -> str:
    for word, letter in (("north", "n"), ("south", "s"), ("east", "e"), ("west", "w"), ("central", "c")):
        region = region.replace(word, letter)
    return region.replace("-", "")


def _stack(reading: _Reading, words: str, body: dict[str, Any]) -> str:
    given = reading.read("stack", extract.stack_name(words))
    if given:
        return given
    app, buckets, cluster = body.get("app"), body.get("buckets"), body.get("cluster")
    environment = body["environment"]
    if app and cluster:
        name = f"{body['platform']}-{app['name']}"
    elif app:
        name = f"{app['name']}-{environment}"
    elif buckets:
        purpose = extract.purpose(words)
        name = purpose[1] if purpose else buckets[0]["name"]
    else:
        name = cluster["name"] if cluster else f"{body['cloud']}-{environment}"
    name = extract.slug(name)
    if len(name) < 3 or not name[0].isalpha():
        name = f"stack-{name}".strip("-")
    return reading.default("stack", name, "derived from what is built")


def _validated(reading: _Reading, body: dict[str, Any]) -> DeploymentIntent | None:
    body = {k: v for k, v in body.items() if v is not None}
    try:
        return DeploymentIntent.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors()[:3]:
            path = ".".join(str(p) for p in error["loc"]) or "intent"
            reading.ask("invalid", field=path, message=error["msg"].removeprefix("Value error, "))
        return None
