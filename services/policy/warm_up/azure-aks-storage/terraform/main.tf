provider "azurerm" {
  storage_use_azuread = true

  features {}
}

resource "azurerm_resource_group" "this" {
  name     = "rg-warm-azure-dev"
  location = var.region
  tags     = {
    managed-by  = "mcp-cloud"
    stack       = "warm-azure"
    environment = "dev"
  }
}

module "aks" {
  source              = "./modules/azure-aks"
  name                = "warm-azure"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "warm-azure"
    environment = "dev"
  }
  kubernetes_version  = "1.31"
  node_vm_size        = "Standard_D4ds_v5"
  node_min_count      = 2
  node_max_count      = 4
}

module "bucket_mcpwarmazuredata" {
  source              = "./modules/azure-storage-account"
  name                = "mcpwarmazuredata"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "warm-azure"
    environment = "dev"
  }
  purpose             = "Application data"
  versioning_enabled  = true
  public_read         = false
}
