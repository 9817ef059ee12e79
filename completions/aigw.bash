# bash completion for aigw. Generated from the command tree by `npm run generate`; do not edit.
# Install:
#   mkdir -p ~/.local/share/bash-completion/completions
#   aigw completion bash > ~/.local/share/bash-completion/completions/aigw
#   # and in ~/.bashrc, unless bash-completion is loaded there (it finds the file by itself):
#   source ~/.local/share/bash-completion/completions/aigw
# Resource ids come from the running daemon (`aigw __complete <resource>`); it is never started.

__aigw_node() {
  case "$1" in
    '') __aigw_subs='provider-keys access-keys configs providers gateway usage run env prices import secrets daemon doctor completion help'; __aigw_aliases='ai-gateway-provider-keys api-keys ai-gateway-api-keys access-key-configurations'; __aigw_opts='-v --version -o --output --json -q --quiet --no-color --token-file -h --help'; __aigw_valopts='-o --output --token-file' ;;
    'provider-keys') __aigw_subs='create list get update rotate disable enable test import delete'; __aigw_aliases='ls rm'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'provider-keys create') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--provider-id --ai-gateway-api-key-id --name --description --metadata --value-stdin --value-file --value -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--provider-id --ai-gateway-api-key-id --name --description --metadata --value-file --value -o --output --token-file' ;;
    'provider-keys list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--provider-id --ai-gateway-api-key-id --limit --before-id --all -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--provider-id --ai-gateway-api-key-id --limit --before-id -o --output --token-file' ;;
    'provider-keys get') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'provider-keys update') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--name --description --metadata -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--name --description --metadata -o --output --token-file' ;;
    'provider-keys rotate') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--value-stdin --value-file --value --name -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--value-file --value --name -o --output --token-file' ;;
    'provider-keys disable') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'provider-keys enable') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'provider-keys test') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'provider-keys import') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--from-env --from-dotenv --from-file --dry-run --ai-gateway-api-key-id -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--from-dotenv --from-file --ai-gateway-api-key-id -o --output --token-file' ;;
    'provider-keys delete') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-y --yes --force -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'access-keys') __aigw_subs='create list get update rotate disable enable delete'; __aigw_aliases='ls rm'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'access-keys create') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--name --description --metadata --access-key-configuration-id --expires-in --expires-at --budget --budget-period --budget-soft --rpm --tpm --max-concurrent -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--name --description --metadata --access-key-configuration-id --expires-in --expires-at --budget --budget-period --budget-soft --rpm --tpm --max-concurrent -o --output --token-file' ;;
    'access-keys list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--limit --before-id --all -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--limit --before-id -o --output --token-file' ;;
    'access-keys get') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'access-keys update') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--name --description --metadata --access-key-configuration-id --expires-in --expires-at --budget --budget-period --budget-soft --rpm --tpm --max-concurrent --no-budget --no-rate-limits --no-expiry --allow-all -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--name --description --metadata --access-key-configuration-id --expires-in --expires-at --budget --budget-period --budget-soft --rpm --tpm --max-concurrent -o --output --token-file' ;;
    'access-keys rotate') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--grace -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--grace -o --output --token-file' ;;
    'access-keys disable') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'access-keys enable') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'access-keys delete') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-y --yes --force -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'configs') __aigw_subs='create list get update delete'; __aigw_aliases='ls rm'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'configs create') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--name --description --metadata --file --allow-provider --allow-model --route-provider --route-model --step --max-input-tokens --max-output-tokens --budget --budget-period --budget-soft --rpm --tpm --max-concurrent -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--name --description --metadata --file --allow-provider --allow-model --route-provider --route-model --step --max-input-tokens --max-output-tokens --budget --budget-period --budget-soft --rpm --tpm --max-concurrent -o --output --token-file' ;;
    'configs list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--limit --before-id --all -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--limit --before-id -o --output --token-file' ;;
    'configs get') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'configs update') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--name --description --metadata --file --allow-provider --allow-model --route-provider --route-model --step --max-input-tokens --max-output-tokens --budget --budget-period --budget-soft --rpm --tpm --max-concurrent --no-budget --no-rate-limits --allow-all --clear-router -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--name --description --metadata --file --allow-provider --allow-model --route-provider --route-model --step --max-input-tokens --max-output-tokens --budget --budget-period --budget-soft --rpm --tpm --max-concurrent -o --output --token-file' ;;
    'configs delete') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-y --yes -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'providers') __aigw_subs='list create get update delete passthrough'; __aigw_aliases='ls rm'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'providers list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--limit --before-id --all -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--limit --before-id -o --output --token-file' ;;
    'providers create') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--provider-id --name --description --metadata --base-url --format --model -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--provider-id --name --description --metadata --base-url --format --model -o --output --token-file' ;;
    'providers get') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'providers update') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--name --description --metadata --base-url --format --model --clear-models -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--name --description --metadata --base-url --format --model -o --output --token-file' ;;
    'providers delete') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-y --yes -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'providers passthrough') __aigw_subs='enable disable'; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'providers passthrough enable') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--allow-non-loopback -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'providers passthrough disable') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'gateway') __aigw_subs='config'; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'gateway config') __aigw_subs='get set'; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'gateway config get') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'gateway config set') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--total-timeout --per-request-timeout --max-input-tokens --max-output-tokens --metadata --clear-metadata --provider-base-url --clear-provider-base-urls -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--total-timeout --per-request-timeout --max-input-tokens --max-output-tokens --metadata --provider-base-url -o --output --token-file' ;;
    'usage') __aigw_subs='list overview'; __aigw_aliases='ls'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'usage list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--start-time --end-time --access-key-id --include-retries --limit --cursor --all -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--start-time --end-time --access-key-id --limit --cursor -o --output --token-file' ;;
    'usage overview') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--start-time --end-time --group-by -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--start-time --end-time --group-by -o --output --token-file' ;;
    'run') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--config --budget --ttl -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--config --budget --ttl -o --output --token-file' ;;
    'env') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--shell --new --name --config --access-key-id -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--shell --name --config --access-key-id -o --output --token-file' ;;
    'prices') __aigw_subs='set list get delete'; __aigw_aliases='ls rm'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'prices set') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--input-price --output-price --cache-read-price --cache-write-price -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--input-price --output-price --cache-read-price --cache-write-price -o --output --token-file' ;;
    'prices list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'prices get') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'prices delete') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-y --yes -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'import') __aigw_subs='traffic-policy'; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'import traffic-policy') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--secret --name --dry-run -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--secret --name -o --output --token-file' ;;
    'secrets') __aigw_subs='rewrap'; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'secrets rewrap') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon') __aigw_subs='start run stop status install uninstall logs tokens'; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon start') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--gateway-listen --control-listen --tls-cert --tls-key --metrics-listen --database-url -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--gateway-listen --control-listen --tls-cert --tls-key --metrics-listen --database-url -o --output --token-file' ;;
    'daemon run') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--gateway-listen --control-listen --tls-cert --tls-key --metrics-listen --database-url -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='--gateway-listen --control-listen --tls-cert --tls-key --metrics-listen --database-url -o --output --token-file' ;;
    'daemon stop') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon status') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon install') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='--print -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon uninstall') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon logs') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-n --lines -f --follow -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-n --lines -o --output --token-file' ;;
    'daemon tokens') __aigw_subs='create list delete'; __aigw_aliases='ls rm'; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon tokens create') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon tokens list') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'daemon tokens delete') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-y --yes -h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'doctor') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'completion') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    'help') __aigw_subs=''; __aigw_aliases=''; __aigw_opts='-h --help -o --output --json -q --quiet --no-color --token-file'; __aigw_valopts='-o --output --token-file' ;;
    *) __aigw_subs=''; __aigw_aliases=''; __aigw_opts=''; __aigw_valopts='' ;;
  esac
}

__aigw_child() {
  case "$1|$2" in
    '|provider-keys'|'|ai-gateway-provider-keys') __aigw_path='provider-keys' ;;
    '|access-keys'|'|api-keys'|'|ai-gateway-api-keys') __aigw_path='access-keys' ;;
    '|configs'|'|access-key-configurations') __aigw_path='configs' ;;
    '|providers') __aigw_path='providers' ;;
    '|gateway') __aigw_path='gateway' ;;
    '|usage') __aigw_path='usage' ;;
    '|run') __aigw_path='run' ;;
    '|env') __aigw_path='env' ;;
    '|prices') __aigw_path='prices' ;;
    '|import') __aigw_path='import' ;;
    '|secrets') __aigw_path='secrets' ;;
    '|daemon') __aigw_path='daemon' ;;
    '|doctor') __aigw_path='doctor' ;;
    '|completion') __aigw_path='completion' ;;
    '|help') __aigw_path='help' ;;
    'provider-keys|create') __aigw_path='provider-keys create' ;;
    'provider-keys|list'|'provider-keys|ls') __aigw_path='provider-keys list' ;;
    'provider-keys|get') __aigw_path='provider-keys get' ;;
    'provider-keys|update') __aigw_path='provider-keys update' ;;
    'provider-keys|rotate') __aigw_path='provider-keys rotate' ;;
    'provider-keys|disable') __aigw_path='provider-keys disable' ;;
    'provider-keys|enable') __aigw_path='provider-keys enable' ;;
    'provider-keys|test') __aigw_path='provider-keys test' ;;
    'provider-keys|import') __aigw_path='provider-keys import' ;;
    'provider-keys|delete'|'provider-keys|rm') __aigw_path='provider-keys delete' ;;
    'access-keys|create') __aigw_path='access-keys create' ;;
    'access-keys|list'|'access-keys|ls') __aigw_path='access-keys list' ;;
    'access-keys|get') __aigw_path='access-keys get' ;;
    'access-keys|update') __aigw_path='access-keys update' ;;
    'access-keys|rotate') __aigw_path='access-keys rotate' ;;
    'access-keys|disable') __aigw_path='access-keys disable' ;;
    'access-keys|enable') __aigw_path='access-keys enable' ;;
    'access-keys|delete'|'access-keys|rm') __aigw_path='access-keys delete' ;;
    'configs|create') __aigw_path='configs create' ;;
    'configs|list'|'configs|ls') __aigw_path='configs list' ;;
    'configs|get') __aigw_path='configs get' ;;
    'configs|update') __aigw_path='configs update' ;;
    'configs|delete'|'configs|rm') __aigw_path='configs delete' ;;
    'providers|list'|'providers|ls') __aigw_path='providers list' ;;
    'providers|create') __aigw_path='providers create' ;;
    'providers|get') __aigw_path='providers get' ;;
    'providers|update') __aigw_path='providers update' ;;
    'providers|delete'|'providers|rm') __aigw_path='providers delete' ;;
    'providers|passthrough') __aigw_path='providers passthrough' ;;
    'providers passthrough|enable') __aigw_path='providers passthrough enable' ;;
    'providers passthrough|disable') __aigw_path='providers passthrough disable' ;;
    'gateway|config') __aigw_path='gateway config' ;;
    'gateway config|get') __aigw_path='gateway config get' ;;
    'gateway config|set') __aigw_path='gateway config set' ;;
    'usage|list'|'usage|ls') __aigw_path='usage list' ;;
    'usage|overview') __aigw_path='usage overview' ;;
    'prices|set') __aigw_path='prices set' ;;
    'prices|list'|'prices|ls') __aigw_path='prices list' ;;
    'prices|get') __aigw_path='prices get' ;;
    'prices|delete'|'prices|rm') __aigw_path='prices delete' ;;
    'import|traffic-policy') __aigw_path='import traffic-policy' ;;
    'secrets|rewrap') __aigw_path='secrets rewrap' ;;
    'daemon|start') __aigw_path='daemon start' ;;
    'daemon|run') __aigw_path='daemon run' ;;
    'daemon|stop') __aigw_path='daemon stop' ;;
    'daemon|status') __aigw_path='daemon status' ;;
    'daemon|install') __aigw_path='daemon install' ;;
    'daemon|uninstall') __aigw_path='daemon uninstall' ;;
    'daemon|logs') __aigw_path='daemon logs' ;;
    'daemon|tokens') __aigw_path='daemon tokens' ;;
    'daemon tokens|create') __aigw_path='daemon tokens create' ;;
    'daemon tokens|list'|'daemon tokens|ls') __aigw_path='daemon tokens list' ;;
    'daemon tokens|delete'|'daemon tokens|rm') __aigw_path='daemon tokens delete' ;;
    *) return 1 ;;
  esac
}

__aigw_value() {
  case "$1|$2" in
    'provider-keys create|--provider-id') __aigw_kind='r:providers' ;;
    'provider-keys create|--ai-gateway-api-key-id') __aigw_kind='r:access-keys' ;;
    'provider-keys create|--value-file') __aigw_kind='f' ;;
    'provider-keys list|--provider-id') __aigw_kind='r:providers' ;;
    'provider-keys list|--ai-gateway-api-key-id') __aigw_kind='r:access-keys' ;;
    'provider-keys list|--before-id') __aigw_kind='r:provider-keys' ;;
    'provider-keys get|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys update|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys rotate|--value-file') __aigw_kind='f' ;;
    'provider-keys rotate|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys disable|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys enable|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys test|#0') __aigw_kind='r:provider-keys' ;;
    'provider-keys import|--from-file') __aigw_kind='f' ;;
    'provider-keys import|--ai-gateway-api-key-id') __aigw_kind='r:access-keys' ;;
    'provider-keys delete|#0') __aigw_kind='r:provider-keys' ;;
    'access-keys create|--access-key-configuration-id') __aigw_kind='r:configs' ;;
    'access-keys list|--before-id') __aigw_kind='r:access-keys' ;;
    'access-keys get|#0') __aigw_kind='r:access-keys' ;;
    'access-keys update|--access-key-configuration-id') __aigw_kind='r:configs' ;;
    'access-keys update|#0') __aigw_kind='r:access-keys' ;;
    'access-keys rotate|#0') __aigw_kind='r:access-keys' ;;
    'access-keys disable|#0') __aigw_kind='r:access-keys' ;;
    'access-keys enable|#0') __aigw_kind='r:access-keys' ;;
    'access-keys delete|#0') __aigw_kind='r:access-keys' ;;
    'configs create|--file') __aigw_kind='f' ;;
    'configs create|--allow-provider') __aigw_kind='r:providers' ;;
    'configs create|--route-provider') __aigw_kind='r:providers' ;;
    'configs list|--before-id') __aigw_kind='r:configs' ;;
    'configs get|#0') __aigw_kind='r:configs' ;;
    'configs update|--file') __aigw_kind='f' ;;
    'configs update|--allow-provider') __aigw_kind='r:providers' ;;
    'configs update|--route-provider') __aigw_kind='r:providers' ;;
    'configs update|#0') __aigw_kind='r:configs' ;;
    'configs delete|#0') __aigw_kind='r:configs' ;;
    'providers list|--before-id') __aigw_kind='r:custom-providers' ;;
    'providers create|--provider-id') __aigw_kind='r:providers' ;;
    'providers get|#0') __aigw_kind='r:custom-providers' ;;
    'providers update|#0') __aigw_kind='r:custom-providers' ;;
    'providers delete|#0') __aigw_kind='r:custom-providers' ;;
    'usage list|--access-key-id') __aigw_kind='r:access-keys' ;;
    'run|--config') __aigw_kind='r:configs' ;;
    'env|--shell') __aigw_kind='w:bash zsh fish dotenv json' ;;
    'env|--config') __aigw_kind='r:configs' ;;
    'env|--access-key-id') __aigw_kind='r:access-keys' ;;
    'import traffic-policy|#0') __aigw_kind='f' ;;
    'daemon start|--tls-cert') __aigw_kind='f' ;;
    'daemon start|--tls-key') __aigw_kind='f' ;;
    'daemon run|--tls-cert') __aigw_kind='f' ;;
    'daemon run|--tls-key') __aigw_kind='f' ;;
    'daemon tokens delete|#0') __aigw_kind='r:control-tokens' ;;
    'completion|#0') __aigw_kind='w:bash zsh fish' ;;
    'help|#'*) __aigw_kind='w:exit-codes environment provider-keys access-keys configs providers gateway usage run env prices import secrets daemon doctor completion' ;;
    *'|-o') __aigw_kind='w:table json plain' ;;
    *'|--output') __aigw_kind='w:table json plain' ;;
    *'|--token-file') __aigw_kind='f' ;;
    *) __aigw_kind='' ;;
  esac
}

__aigw_complete_value() {
  __aigw_value "$1" "$2"
  local line id
  case "$__aigw_kind" in
    w:*) COMPREPLY=($(compgen -W "${__aigw_kind#w:}" -- "$cur")) ;;
    r:*)
      local aigw="${COMP_WORDS[0]}" ids=()
      [[ $aigw == '~/'* ]] && aigw="$HOME/${aigw#'~/'}"
      while IFS=$'\t' read -r id _; do
        [[ -n $id && $id == "$cur"* ]] && ids+=("$id")
      done < <("$aigw" __complete "${__aigw_kind#r:}" 2>/dev/null)
      COMPREPLY=("${ids[@]}") ;;
    f) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}

_aigw() {
  local cur="${COMP_WORDS[COMP_CWORD]}" path='' expect='' w i
  local -i npos=0
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    [[ $w == = ]] && continue
    if [[ -n $expect ]]; then expect=''; continue; fi
    case "$w" in
      -*=*) ;;
      -*) __aigw_node "$path"; [[ " $__aigw_valopts " == *" $w "* ]] && expect="$w" ;;
      *) if __aigw_child "$path" "$w"; then path="$__aigw_path"; npos=0; else npos+=1; fi ;;
    esac
  done
  [[ $cur == = ]] && cur=''
  __aigw_node "$path"
  if [[ -n $expect ]]; then __aigw_complete_value "$path" "$expect"; return 0; fi
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$__aigw_opts" -- "$cur")); return 0; fi
  if [[ -n $__aigw_subs ]]; then
    COMPREPLY=($(compgen -W "$__aigw_subs" -- "$cur"))
    ((${#COMPREPLY[@]})) || COMPREPLY=($(compgen -W "$__aigw_aliases" -- "$cur"))
    return 0
  fi
  __aigw_complete_value "$path" "#$npos"
  return 0
}

complete -F _aigw aigw
