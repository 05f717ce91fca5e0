provider "azurerm" {
  storage_use_azuread = true

  features {}
}

resource "azurerm_resource_group" "this" {
  name     = "rg-erp-prod-prod"
  location = var.region
  tags     = {
    managed-by  = "mcp-cloud"
    stack       = "erp-prod"
    environment = "prod"
  }
}

module "aks" {
  source              = "./modules/azure-aks"
  name                = "erp-prod"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "erp-prod"
    environment = "prod"
  }
  kubernetes_version  = "1.31"
  node_vm_size        = "Standard_D4ds_v5"
  node_min_count      = 3
  node_max_count      = 12
}

module "bucket_acmeerp-b0" {
  source              = "./modules/azure-storage-account"
  name                = "acmeerpb0"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "erp-prod"
    environment = "prod"
  }
  purpose             = "data set 0"
  versioning_enabled  = true
  public_read         = false
}

module "bucket_acmeerp-b1" {
  source              = "./modules/azure-storage-account"
  name                = "acmeerpb1"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "erp-prod"
    environment = "prod"
  }
  purpose             = "data set 1"
  versioning_enabled  = false
  public_read         = false
}

module "bucket_acmeerp-b2" {
  source              = "./modules/azure-storage-account"
  name                = "acmeerpb2"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "erp-prod"
    environment = "prod"
  }
  purpose             = "data set 2"
  versioning_enabled  = true
  public_read         = false
}
