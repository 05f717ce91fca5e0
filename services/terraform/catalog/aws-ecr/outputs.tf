output "repository_url" {
  description = "URL to push and pull images (registry/name)."
  value       = aws_ecr_repository.this.repository_url
}

output "repository_arn" {
  description = "ARN of the repository."
  value       = aws_ecr_repository.this.arn
}

output "kms_key_arn" {
  description = "KMS key that encrypts the images."
  value       = aws_kms_key.this.arn
}
