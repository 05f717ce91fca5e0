output "bucket_acme-ledger-euc1-b0_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-ledger-euc1-b0.bucket_arn
}

output "bucket_acme-ledger-euc1-b1_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-ledger-euc1-b1.bucket_arn
}

output "bucket_acme-ledger-euc1-b2_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-ledger-euc1-b2.bucket_arn
}

output "bucket_acme-ledger-euc1-b3_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-ledger-euc1-b3.bucket_arn
}

output "bucket_acme-ledger-euc1-b4_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-ledger-euc1-b4.bucket_arn
}

output "bucket_acme-ledger-euc1-b5_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-ledger-euc1-b5.bucket_arn
}

output "bucket_acme-ledger-euc1-b6_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-ledger-euc1-b6.bucket_arn
}

output "bucket_acme-ledger-euc1-b7_bucket_arn" {
  description = "ARN of the bucket."
  value       = module.bucket_acme-ledger-euc1-b7.bucket_arn
}
