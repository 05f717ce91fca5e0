"""The questions the parser asks back, in the request's language.

Why fixed texts: a question names exactly the field it fills and gives an example of a
valid answer, so an agent can answer it in one turn and a person can read it.
"""

from __future__ import annotations

from shared.contracts.parse import MissingField

_QUESTIONS: dict[str, tuple[str, str]] = {
    "app": ("어떤 앱을 배포할까요? (이미지와 태그, 예: nginx:1.27.3)",
            "Which app should I deploy? (image and tag, e.g. nginx:1.27.3)"),
    "app.one": ("한 번에 앱 하나만 배포할 수 있습니다. 어느 앱을 배포할까요?",
                "One request deploys one app. Which one should I deploy?"),
    "app.image": ("{name}의 컨테이너 이미지와 태그를 알려주세요. (예: ghcr.io/acme/{name}:1.0.0)",
                  "Which container image and tag is {name}? (e.g. ghcr.io/acme/{name}:1.0.0)"),
    "app.tag": ("'{tag}' 태그는 바뀔 수 있어 쓸 수 없습니다. 고정된 버전을 알려주세요. (예: {image}:1.27.3)",
                "The tag '{tag}' can change under you; which pinned version? (e.g. {image}:1.27.3)"),
    "cloud": ("어느 클라우드에 만들까요?", "Which cloud should this go to?"),
    "platform": ("{platform}은(는) {cloud}에서 동작하지 않습니다. 어느 클라우드/플랫폼인가요?",
                 "{platform} does not run on {cloud}. Which cloud and platform do you mean?"),
    "region": ("어느 리전에 만들까요?", "Which region should this go to?"),
    "region.cloud": ("{region}은(는) {cloud} 리전이 아닙니다. {cloud}의 어느 리전인가요?",
                     "{region} is not a {cloud} region. Which {cloud} region?"),
    "environment": ("어느 환경인가요? (dev, staging, prod)", "Which environment? (dev, staging or prod)"),
    "target": ("무엇을 만들거나 배포할까요? (예: EKS 클러스터, S3 버킷, nginx:1.27.3)",
               "What should I create or deploy? (e.g. an EKS cluster, an S3 bucket, nginx:1.27.3)"),
    "review": ("어떤 테라폼 코드를 검토할까요? 검토할 이전 실행이 없습니다. 스택이나 만들 것을 알려주세요.",
               "Which Terraform code should I review? There is no earlier run; name the stack or what to build."),
    "destroy": ("어떤 스택을 삭제할까요? 이 이름의 이전 실행이 없습니다. 스택 이름을 알려주세요.",
                "Which stack should I destroy? None of your runs built it; name the stack."),
    "invalid": ("요청을 그대로 만들 수 없습니다: {message}. 어떻게 바꿀까요?",
                "This request cannot be built as asked: {message}. What should change?"),
}


def ask(key: str, language: str, field: str | None = None, choices: list[str] | None = None, **values: object) -> MissingField:
    korean, english = _QUESTIONS[key]
    template = english if language == "en" else korean
    return MissingField(field=field or key, question=template.format(**values), choices=choices or [])
