provider "azurerm" {
  storage_use_azuread = true

  features {}
}

resource "azurerm_resource_group" "this" {
  name     = "rg-portal-stg-staging"
  location = var.region
  tags     = {
    managed-by  = "mcp-cloud"
    stack       = "portal-stg"
    environment = "staging"
  }
}

module "aks" {
  source              = "./modules/azure-aks"
  name                = "portal-stg"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = {
    managed-by  = "mcp-cloud"
    stack       = "portal-stg"
    environment = "staging"
  }
  kubernetes_version  = "1.31"
  node_vm_size        = "Standard_D4ds_v5"
  node_min_count      = 2
  node_max_count      = 3
}
