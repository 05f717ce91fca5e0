provider "azurerm" {
  storage_use_azuread = true

  features {}
}

resource "azurerm_resource_group" "this" {
  name     = "rg-backups-dev"
  location = var.region
  tags     = {
    managed-by  = "mcp-cloud"
    stack       = "backups"
    environment = "dev"
  }
}

module "bucket_acmebak-b0" {
  source              = "./modules/azure-storage-account"
  name                = "acmebakb0"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "backups"
    environment = "dev"
  }
  purpose             = "data set 0"
  versioning_enabled  = true
  public_read         = false
}

module "bucket_acmebak-b1" {
  source              = "./modules/azure-storage-account"
  name                = "acmebakb1"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "backups"
    environment = "dev"
  }
  purpose             = "data set 1"
  versioning_enabled  = false
  public_read         = false
}
