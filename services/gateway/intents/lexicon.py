"""The words the parser knows: clouds, platforms, regions, apps, tools, in English and Korean.

Why a table and not a model: every mapping here is reviewable in one place, the parse is
deterministic and microseconds fast, and a word the table lacks is reported as missing
instead of guessed. Aliases are lower-case; Latin aliases match on word boundaries,
Hangul aliases anywhere (Korean particles attach to the word: "서울에", "ArgoCD로").
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.catalog import load_catalog

CLOUDS: dict[str, tuple[str, ...]] = {
    "aws": ("aws", "amazon web services", "amazon", "아마존", "에이더블유에스", "아마존 웹 서비스"),
    "gcp": ("gcp", "google cloud", "google cloud platform", "구글 클라우드", "구글클라우드", "지씨피"),
    "azure": ("azure", "microsoft azure", "애저", "애져", "아주어", "마이크로소프트 애저"),
}

# A managed Kubernetes name implies its cloud.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "eks": ("eks", "amazon eks", "이케이에스", "elastic kubernetes service"),
    "gke": ("gke", "google kubernetes engine", "지케이이"),
    "aks": ("aks", "azure kubernetes service", "에이케이에스"),
}
PLATFORM_CLOUD = {"eks": "aws", "gke": "gcp", "aks": "azure"}

# "Kubernetes" without a cloud: the cloud's managed Kubernetes (platform per cloud).
KUBERNETES_WORDS = ("kubernetes", "k8s", "쿠버네티스", "쿠버네테스", "쿠베", "kube")

# Services that imply a cloud (and, for storage, a bucket resource).
CLOUD_SERVICES: dict[str, tuple[str, ...]] = {
    "aws": ("s3", "에스쓰리", "ecr", "rds", "iam"),
    "gcp": ("gcs", "cloud storage", "클라우드 스토리지"),
    "azure": ("blob storage", "storage account", "blob", "블롭", "스토리지 계정"),
}
BUCKET_WORDS = ("bucket", "buckets", "버킷", "s3", "gcs", "blob storage", "storage account", "스토리지 계정", "블롭")
CLUSTER_WORDS = ("cluster", "clusters", "클러스터")

# City / area names -> region code, per cloud. Literal codes ("ap-northeast-2") are matched too.
REGION_PLACES: dict[str, dict[str, tuple[str, ...]]] = {
    "aws": {
        "ap-northeast-2": ("seoul", "서울", "korea", "한국", "국내"),
        "ap-northeast-1": ("tokyo", "도쿄", "동경", "japan", "일본"),
        "ap-northeast-3": ("osaka", "오사카"),
        "us-east-1": ("virginia", "n. virginia", "northern virginia", "버지니아", "us east", "미국 동부"),
        "us-east-2": ("ohio", "오하이오"),
        "us-west-1": ("california", "n. california", "캘리포니아"),
        "us-west-2": ("oregon", "오레곤", "오리건", "us west", "미국 서부"),
        "ap-southeast-1": ("singapore", "싱가포르", "싱가폴"),
        "ap-southeast-2": ("sydney", "시드니", "australia", "호주"),
        "ap-south-1": ("mumbai", "뭄바이", "india"),
        "eu-central-1": ("frankfurt", "프랑크푸르트", "germany", "독일"),
        "eu-west-1": ("ireland", "아일랜드"),
        "eu-west-2": ("london", "런던"),
        "eu-west-3": ("paris", "파리"),
        "eu-north-1": ("stockholm", "스톡홀름"),
        "sa-east-1": ("sao paulo", "são paulo", "상파울루", "상파울로"),
        "ca-central-1": ("canada", "montreal", "캐나다", "몬트리올"),
    },
    "gcp": {
        "asia-northeast3": ("seoul", "서울", "korea", "한국", "국내"),
        "asia-northeast1": ("tokyo", "도쿄", "동경", "japan", "일본"),
        "asia-southeast1": ("singapore", "싱가포르", "싱가폴"),
        "us-central1": ("iowa", "아이오와"),
        "us-east1": ("south carolina", "사우스캐롤라이나", "us east", "미국 동부"),
        "us-west1": ("oregon", "오레곤", "오리건", "us west", "미국 서부"),
        "europe-west1": ("belgium", "벨기에"),
        "europe-west3": ("frankfurt", "프랑크푸르트", "germany", "독일"),
    },
    "azure": {
        "koreacentral": ("seoul", "서울", "korea", "한국", "국내", "korea central"),
        "japaneast": ("tokyo", "도쿄", "동경", "japan", "일본", "japan east"),
        "eastus": ("virginia", "버지니아", "us east", "미국 동부", "east us"),
        "eastus2": ("east us 2",),
        "westus2": ("washington", "워싱턴", "us west", "미국 서부", "west us 2"),
        "westeurope": ("netherlands", "amsterdam", "네덜란드", "암스테르담", "west europe"),
        "northeurope": ("ireland", "아일랜드", "north europe"),
        "southeastasia": ("singapore", "싱가포르", "싱가폴", "southeast asia"),
    },
}

GITOPS: dict[str, tuple[str, ...]] = {
    "argocd": ("argocd", "argo cd", "argo-cd", "argo", "아르고", "아르고cd", "아르고 cd", "아르고시디", "알고cd"),
    "flux": ("flux", "fluxcd", "flux cd", "flux2", "플럭스", "플럭스cd"),
}
NO_GITOPS = ("without gitops", "no gitops", "gitops 없이", "깃옵스 없이", "directly", "직접 배포")
CI: dict[str, tuple[str, ...]] = {
    "github_actions": ("github actions", "github action", "gh actions", "actions", "깃허브 액션", "깃헙 액션",
                       "깃허브 actions", "github 액션", "액션"),
}
NO_CI = ("without ci", "no ci", "ci 없이", "파이프라인 없이")

ENVIRONMENTS: dict[str, tuple[str, ...]] = {
    "prod": ("prod", "production", "prd", "운영", "프로덕션", "상용", "프로드"),
    "staging": ("staging", "stage", "stg", "스테이징", "스테이지"),
    "dev": ("dev", "development", "develop", "개발", "데브"),
}

WORKLOAD_KINDS: dict[str, tuple[str, ...]] = {
    "DaemonSet": ("daemonset", "daemon set", "daemon-set", "데몬셋", "데몬 셋", "데몬세트"),
    "StatefulSet": ("statefulset", "stateful set", "스테이트풀셋", "스테이트풀 셋", "스테이트풀세트"),
    "Deployment": ("deployment", "디플로이먼트"),
}

# Words that stand for "an app" without naming one: the parser must ask which.
GENERIC_APP_WORDS = ("app", "apps", "application", "applications", "service", "workload",
                     "앱", "애플리케이션", "어플리케이션", "어플", "서비스", "워크로드", "프로그램")


@dataclass(frozen=True)
class KnownApp:
    """An app the parser can deploy from its name alone: the image, a pinned tag, the port."""

    name: str
    image: str
    tag: str
    port: int
    aliases: tuple[str, ...]
    kind: str = "Deployment"


APPS: tuple[KnownApp, ...] = (
    # nginx-unprivileged: the official image expects root; this one runs as the non-root user
    # the generated manifest sets (see services/terraform/manifests.py).
    KnownApp("nginx", "nginxinc/nginx-unprivileged", "1.27.3-alpine", 8080, ("nginx", "엔진엑스", "엔진x", "엔ginx")),
    KnownApp("redis", "redis", "7.4.1", 6379, ("redis", "레디스")),
    KnownApp("fluentd", "fluent/fluentd", "v1.17.1-1.0", 24224, ("fluentd", "fluent-d", "플루언트디", "플루엔트디"),
             kind="DaemonSet"),
    KnownApp("postgres", "postgres", "16.4", 5432, ("postgres", "postgresql", "포스트그레스", "포스트그레스큐엘"),
             kind="StatefulSet"),
    KnownApp("mysql", "mysql", "8.4.2", 3306, ("mysql", "마이에스큐엘"), kind="StatefulSet"),
    KnownApp("mongodb", "mongo", "7.0.14", 27017, ("mongodb", "mongo", "몽고디비", "몽고"), kind="StatefulSet"),
    KnownApp("rabbitmq", "rabbitmq", "3.13.7", 5672, ("rabbitmq", "rabbit", "래빗엠큐", "래빗")),
    KnownApp("grafana", "grafana/grafana", "11.2.0", 3000, ("grafana", "그라파나")),
    KnownApp("prometheus", "prom/prometheus", "v2.54.1", 9090, ("prometheus", "프로메테우스")),
    KnownApp("httpd", "httpd", "2.4.62", 8080, ("httpd", "apache", "아파치")),
    KnownApp("memcached", "memcached", "1.6.31", 11211, ("memcached", "멤캐시드", "멤캐시")),
    KnownApp("jenkins", "jenkins/jenkins", "2.462.3-lts", 8080, ("jenkins", "젠킨스")),
    KnownApp("wordpress", "wordpress", "6.6.2", 8080, ("wordpress", "워드프레스")),
    KnownApp("kafka", "bitnami/kafka", "3.8.0", 9092, ("kafka", "카프카"), kind="StatefulSet"),
    KnownApp("elasticsearch", "docker.elastic.co/elasticsearch/elasticsearch", "8.15.1", 9200,
             ("elasticsearch", "elastic search", "엘라스틱서치", "엘라스틱 서치"), kind="StatefulSet"),
    KnownApp("keycloak", "quay.io/keycloak/keycloak", "25.0.6", 8080, ("keycloak", "키클록", "키클락")),
    KnownApp("minio", "minio/minio", "RELEASE.2024-09-13T20-26-02Z", 9000, ("minio", "미니오"), kind="StatefulSet"),
    KnownApp("traefik", "traefik", "v3.1.4", 8000, ("traefik",)),
    KnownApp("loki", "grafana/loki", "3.2.0", 3100, ("loki", "grafana loki")),
    KnownApp("tomcat", "tomcat", "10.1.30", 8080, ("tomcat", "톰캣")),
    KnownApp("caddy", "caddy", "2.8.4", 8080, ("caddy", "캐디")),
    KnownApp("valkey", "valkey/valkey", "8.0.1", 6379, ("valkey", "밸키")),
    KnownApp("nats", "nats", "2.10.21", 4222, ("nats", "낫츠")),
    KnownApp("node-exporter", "prom/node-exporter", "v1.8.2", 9100, ("node-exporter", "node exporter", "노드 익스포터"),
             kind="DaemonSet"),
)
APPS_BY_NAME = {app.name: app for app in APPS}

# Catalog module names (shared/catalog.py) as words: "aws-s3-bucket" means a bucket on aws.
def catalog_words() -> dict[str, tuple[str, str]]:
    """Catalog module name -> (cloud, resource): the catalog's own names are words the parser knows."""
    words: dict[str, tuple[str, str]] = {}
    for name, module in load_catalog().items():
        if any(part in name for part in ("bucket", "storage")):
            resource = "bucket"
        elif any(part in name for part in ("eks", "gke", "aks")):
            resource = "cluster"
        else:
            resource = "other"
        words[name] = (module.cloud, resource)
    return words


# Fuzzy matching (one edit) is tried only on these words: typos of long names are
# common ("ngnix", "kuberentes", "deplyo"), typos of short ones would collide.
FUZZY_WORDS: dict[str, str] = {
    "nginx": "app:nginx", "redis": "app:redis", "fluentd": "app:fluentd", "postgres": "app:postgres",
    "postgresql": "app:postgres", "grafana": "app:grafana", "prometheus": "app:prometheus",
    "rabbitmq": "app:rabbitmq", "jenkins": "app:jenkins", "wordpress": "app:wordpress",
    "memcached": "app:memcached", "mongodb": "app:mongodb", "elasticsearch": "app:elasticsearch",
    "keycloak": "app:keycloak", "traefik": "app:traefik", "tomcat": "app:tomcat", "valkey": "app:valkey",
    "kubernetes": "k8s", "argocd": "gitops:argocd", "fluxcd": "gitops:flux",
    "deploy": "verb:deploy", "install": "verb:deploy", "create": "verb:provision", "provision": "verb:provision",
    "bucket": "resource:bucket", "cluster": "resource:cluster", "namespace": "word:namespace",
    "replicas": "word:replicas", "private": "flag:private", "public": "flag:public",
    "privileged": "flag:privileged", "versioning": "flag:versioning", "staging": "env:staging",
    "production": "env:prod", "daemonset": "kind:DaemonSet", "statefulset": "kind:StatefulSet",
    "summarize": "query:summarize", "status": "query:status",
    "virginia": "place:virginia", "singapore": "place:singapore", "frankfurt": "place:frankfurt",
    "oregon": "place:oregon", "tokyo": "place:tokyo", "seoul": "place:seoul", "sydney": "place:sydney",
}
