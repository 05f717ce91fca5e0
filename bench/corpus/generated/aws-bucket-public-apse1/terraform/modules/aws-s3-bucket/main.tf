# An S3 bucket that is private by default: every public access block setting on,
# ACLs disabled, SSE-KMS with a dedicated key, TLS-only bucket policy, versioning
# and lifecycle rules. With public_read = true it faithfully builds a public bucket
# (public access block off, a public-read bucket policy) and leaves the decision to
# the guardrail service, which blocks it.

terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  # Anonymous readers cannot decrypt SSE-KMS objects, so a public bucket uses SSE-S3.
  use_kms = !var.public_read

  # AWS tag values allow letters, digits, spaces and _ . : / = + - @ only.
  purpose_tag = substr(trimspace(replace(var.purpose, "/[^\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]/", " ")), 0, 256)
  tags        = merge(var.tags, local.purpose_tag == "" ? {} : { Purpose = local.purpose_tag })
}

resource "aws_kms_key" "this" {
  count = local.use_kms ? 1 : 0

  description             = "S3 bucket ${var.bucket_name}: ${var.purpose}"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })

  tags = local.tags
}

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = false

  tags = local.tags
}

# Written as conditionals (not !var.public_read) so static scanners can evaluate them.
resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = var.public_read ? false : true
  block_public_policy     = var.public_read ? false : true
  ignore_public_acls      = var.public_read ? false : true
  restrict_public_buckets = var.public_read ? false : true
}

# ACLs stay disabled in both modes: access is granted by bucket policy only.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.use_kms ? "aws:kms" : "AES256"
      kms_master_key_id = local.use_kms ? aws_kms_key.this[0].arn : null
    }
    bucket_key_enabled = local.use_kms
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.versioning_enabled ? "Enabled" : "Disabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "abort-incomplete-uploads-and-expire-old-versions"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log_bucket
  target_prefix = "${var.bucket_name}/"
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = var.public_read ? ["PublicReadGetObject"] : []

    content {
      sid       = statement.value
      effect    = "Allow"
      actions   = ["s3:GetObject"]
      resources = ["${aws_s3_bucket.this.arn}/*"]

      principals {
        type        = "*"
        identifiers = ["*"]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # A public policy is rejected while block_public_policy is still on.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
