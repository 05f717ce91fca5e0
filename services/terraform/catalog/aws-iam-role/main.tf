# An IAM role trusted by AWS services and/or Kubernetes service accounts (IRSA),
# with an inline policy whose statements must name their actions and resources:
# wildcard actions ("*", "service:*") and wildcard resources ("*") are refused by
# variable validation, so least privilege is enforced before any plan.

terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}

locals {
  # arn:aws:iam::123456789012:oidc-provider/oidc.eks.region.amazonaws.com/id/ABC -> issuer host/path
  oidc_issuer = var.oidc_provider_arn == null ? "" : element(split(":oidc-provider/", var.oidc_provider_arn), 1)
}

data "aws_iam_policy_document" "trust" {
  dynamic "statement" {
    for_each = length(var.trusted_services) > 0 ? ["TrustedServices"] : []

    content {
      sid     = statement.value
      actions = ["sts:AssumeRole"]

      principals {
        type        = "Service"
        identifiers = var.trusted_services
      }
    }
  }

  dynamic "statement" {
    for_each = var.oidc_provider_arn == null ? [] : ["KubernetesServiceAccounts"]

    content {
      sid     = statement.value
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [var.oidc_provider_arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.oidc_issuer}:aud"
        values   = ["sts.amazonaws.com"]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.oidc_issuer}:sub"
        values   = var.oidc_subjects
      }
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = var.description
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(var.trusted_services) > 0 || var.oidc_provider_arn != null
      error_message = "Give trusted_services, oidc_provider_arn, or both: a role nobody can assume is useless."
    }

    precondition {
      condition     = var.oidc_provider_arn == null || length(var.oidc_subjects) > 0
      error_message = "oidc_subjects must name the service accounts (system:serviceaccount:<namespace>:<name>) that may assume the role."
    }
  }
}

data "aws_iam_policy_document" "permissions" {
  count = length(var.policy_statements) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = var.policy_statements

    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "this" {
  count = length(var.policy_statements) > 0 ? 1 : 0

  name   = "${var.name}-permissions"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.permissions[0].json
}

resource "aws_iam_role_policy_attachment" "managed" {
  count = length(var.managed_policy_arns)

  role       = aws_iam_role.this.name
  policy_arn = var.managed_policy_arns[count.index]
}
