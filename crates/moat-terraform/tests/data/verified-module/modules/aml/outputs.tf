output "resource_id" {
  value = local.aml_resource.id
}

output "name" {
  value = local.aml_resource.name
}
