resource "aws_kinesis_stream" "events" {
  name        = "events"
  shard_count = 2
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}

resource "aws_cloudwatch_log_group" "app" {
  name = "/acme/app"
}

resource "aws_kms_key" "data" {
  description         = "data key"
  enable_key_rotation = false
}

resource "aws_efs_file_system" "shared" {
  creation_token = "shared"
}

resource "aws_ecr_repository" "etl" {
  name                 = "etl"
  image_tag_mutability = "MUTABLE"
}
