# fish completion for aigw. Generated from the command tree by `npm run generate`; do not edit.
# Install:
#   mkdir -p ~/.config/fish/completions
#   aigw completion fish > ~/.config/fish/completions/aigw.fish
# Resource ids come from the running daemon (`aigw __complete <resource>`); it is never started.

function __aigw_child
    switch "$argv[1]|$argv[2]"
    case '|provider-keys' '|ai-gateway-provider-keys'
      echo 'provider-keys'
    case '|providers'
      echo 'providers'
    case '|daemon'
      echo 'daemon'
    case '|doctor'
      echo 'doctor'
    case '|completion'
      echo 'completion'
    case '|help'
      echo 'help'
    case 'provider-keys|create'
      echo 'provider-keys create'
    case 'provider-keys|list' 'provider-keys|ls'
      echo 'provider-keys list'
    case 'provider-keys|get'
      echo 'provider-keys get'
    case 'provider-keys|update'
      echo 'provider-keys update'
    case 'provider-keys|rotate'
      echo 'provider-keys rotate'
    case 'provider-keys|delete' 'provider-keys|rm'
      echo 'provider-keys delete'
    case 'providers|list' 'providers|ls'
      echo 'providers list'
    case 'daemon|start'
      echo 'daemon start'
    case 'daemon|run'
      echo 'daemon run'
    case 'daemon|stop'
      echo 'daemon stop'
    case 'daemon|status'
      echo 'daemon status'
    case 'daemon|logs'
      echo 'daemon logs'
    case '*'
      return 1
    end
end

function __aigw_valopts
    switch "$argv[1]"
    case ''
      printf '%s\n' '-o' '--output'
    case 'provider-keys'
      printf '%s\n' '-o' '--output'
    case 'provider-keys create'
      printf '%s\n' '--provider-id' '--name' '--description' '--metadata' '--value-file' '--value' '-o' '--output'
    case 'provider-keys list'
      printf '%s\n' '--provider-id' '--limit' '--before-id' '-o' '--output'
    case 'provider-keys get'
      printf '%s\n' '-o' '--output'
    case 'provider-keys update'
      printf '%s\n' '--name' '--description' '--metadata' '-o' '--output'
    case 'provider-keys rotate'
      printf '%s\n' '--value-file' '--value' '--name' '-o' '--output'
    case 'provider-keys delete'
      printf '%s\n' '-o' '--output'
    case 'providers'
      printf '%s\n' '-o' '--output'
    case 'providers list'
      printf '%s\n' '-o' '--output'
    case 'daemon'
      printf '%s\n' '-o' '--output'
    case 'daemon start'
      printf '%s\n' '--gateway-listen' '-o' '--output'
    case 'daemon run'
      printf '%s\n' '--gateway-listen' '-o' '--output'
    case 'daemon stop'
      printf '%s\n' '-o' '--output'
    case 'daemon status'
      printf '%s\n' '-o' '--output'
    case 'daemon logs'
      printf '%s\n' '-n' '--lines' '-o' '--output'
    case 'doctor'
      printf '%s\n' '-o' '--output'
    case 'completion'
      printf '%s\n' '-o' '--output'
    case 'help'
      printf '%s\n' '-o' '--output'
    end
end

# Prints the command path typed so far and how many positional words follow it.
function __aigw_walk
    set -l words (commandline -opc)
    set -e words[1]
    set -l path ''
    set -l npos 0
    set -l expect ''
    for w in $words
        if test -n "$expect"
            set expect ''
            continue
        end
        switch $w
            case '-*=*'
            case '-*'
                contains -- $w (__aigw_valopts $path); and set expect $w
            case '*'
                if set -l child (__aigw_child $path $w)
                    set path $child
                    set npos 0
                else
                    set npos (math $npos + 1)
                end
        end
    end
    printf '%s\n' $path $npos
end

function __aigw_at
    set -l walk (__aigw_walk)
    test "$walk[1]" = "$argv[1]"
end

function __aigw_pos
    set -l walk (__aigw_walk)
    test "$walk[2]" = "$argv[1]"
end

function __aigw_pos_from
    set -l walk (__aigw_walk)
    test "$walk[2]" -ge "$argv[1]"
end

function __aigw_ids
    set -l aigw (commandline -opc)[1]
    command -q $aigw; or return 0
    command $aigw __complete $argv[1] 2>/dev/null
end

complete -c aigw -f
complete -c aigw -n '__aigw_at \'\'' -a 'provider-keys' -d 'store, list, rotate and delete upstream AI provider keys'
complete -c aigw -n '__aigw_at \'\'' -a 'providers' -d 'the AI providers keys can be stored for'
complete -c aigw -n '__aigw_at \'\'' -a 'daemon' -d 'start, stop and inspect the local aigw daemon'
complete -c aigw -n '__aigw_at \'\'' -a 'doctor' -d 'check Node.js, the daemon, permissions, the secret store, the store and the gateway, and say how to fix problems'
complete -c aigw -n '__aigw_at \'\'' -a 'completion' -d 'print the shell completion script for bash, zsh or fish (never edits your dotfiles)'
complete -c aigw -n '__aigw_at \'\'' -a 'help' -d 'show help for a command, or a topic: exit-codes, environment'
complete -c aigw -n '__aigw_at \'\'' -s v -l version -d 'print the version'
complete -c aigw -s o -l output -r -f -a 'table json plain' -d 'table (default on a terminal), plain (default otherwise) or json'
complete -c aigw -l json -d 'same as --output json'
complete -c aigw -s q -l quiet -d 'print only ids'
complete -c aigw -l no-color -d 'no colours (also NO_COLOR=1 or CI=true)'
complete -c aigw -s h -l help -d 'show help'
complete -c aigw -n '__aigw_at \'provider-keys\'' -a 'create' -d 'store a provider key; prompts for the value on a terminal'
complete -c aigw -n '__aigw_at \'provider-keys\'' -a 'list' -d 'list provider keys, newest first'
complete -c aigw -n '__aigw_at \'provider-keys\'' -a 'get' -d 'show one provider key'
complete -c aigw -n '__aigw_at \'provider-keys\'' -a 'update' -d 'change a key\'s name, description or metadata'
complete -c aigw -n '__aigw_at \'provider-keys\'' -a 'rotate' -d 'replace the value of a key, keeping its id'
complete -c aigw -n '__aigw_at \'provider-keys\'' -a 'delete' -d 'delete a provider key and its stored value'
complete -c aigw -n '__aigw_at \'provider-keys create\'' -l provider-id -r -f -a '(__aigw_ids providers)' -d 'the provider this key is for, such as openai or anthropic'
complete -c aigw -n '__aigw_at \'provider-keys create\'' -l name -r -f -d 'a label for the key (at most 255 characters)'
complete -c aigw -n '__aigw_at \'provider-keys create\'' -l description -r -f -d 'what the key is for (at most 255 characters)'
complete -c aigw -n '__aigw_at \'provider-keys create\'' -l metadata -r -f -d 'machine-readable data of your own (at most 4096 characters)'
complete -c aigw -n '__aigw_at \'provider-keys create\'' -l value-stdin -d 'read the key value from standard input'
complete -c aigw -n '__aigw_at \'provider-keys create\'' -l value-file -r -F -d 'read the key value from a file (- for standard input)'
complete -c aigw -n '__aigw_at \'provider-keys create\'' -l value -r -f -d 'the key value itself (visible to other processes; prefer --value-stdin)'
complete -c aigw -n '__aigw_at \'provider-keys list\'' -l provider-id -r -f -a '(__aigw_ids providers)' -d 'only keys for this provider'
complete -c aigw -n '__aigw_at \'provider-keys list\'' -l limit -r -f -d 'at most this many keys (1-100)'
complete -c aigw -n '__aigw_at \'provider-keys list\'' -l before-id -r -f -a '(__aigw_ids provider-keys)' -d 'start after this key id (the next page)'
complete -c aigw -n '__aigw_at \'provider-keys list\'' -l all -d 'follow every page'
complete -c aigw -n '__aigw_at \'provider-keys get\'; and __aigw_pos 0' -f -a '(__aigw_ids provider-keys)' -d 'provider key id (aigpk_…)'
complete -c aigw -n '__aigw_at \'provider-keys update\'' -l name -r -f -d 'a label for the key (at most 255 characters)'
complete -c aigw -n '__aigw_at \'provider-keys update\'' -l description -r -f -d 'what the key is for (at most 255 characters)'
complete -c aigw -n '__aigw_at \'provider-keys update\'' -l metadata -r -f -d 'machine-readable data of your own (at most 4096 characters)'
complete -c aigw -n '__aigw_at \'provider-keys update\'; and __aigw_pos 0' -f -a '(__aigw_ids provider-keys)' -d 'provider key id (aigpk_…)'
complete -c aigw -n '__aigw_at \'provider-keys rotate\'' -l value-stdin -d 'read the key value from standard input'
complete -c aigw -n '__aigw_at \'provider-keys rotate\'' -l value-file -r -F -d 'read the key value from a file (- for standard input)'
complete -c aigw -n '__aigw_at \'provider-keys rotate\'' -l value -r -f -d 'the key value itself (visible to other processes; prefer --value-stdin)'
complete -c aigw -n '__aigw_at \'provider-keys rotate\'' -l name -r -f -d 'also rename the key'
complete -c aigw -n '__aigw_at \'provider-keys rotate\'; and __aigw_pos 0' -f -a '(__aigw_ids provider-keys)' -d 'provider key id (aigpk_…)'
complete -c aigw -n '__aigw_at \'provider-keys delete\'' -s y -l yes -d 'do not ask for confirmation'
complete -c aigw -n '__aigw_at \'provider-keys delete\'; and __aigw_pos 0' -f -a '(__aigw_ids provider-keys)' -d 'provider key id (aigpk_…)'
complete -c aigw -n '__aigw_at \'providers\'' -a 'list' -d 'list the built-in provider catalog'
complete -c aigw -n '__aigw_at \'daemon\'' -a 'start' -d 'start the daemon in the background'
complete -c aigw -n '__aigw_at \'daemon\'' -a 'run' -d 'run the daemon in the foreground (for systemd or containers)'
complete -c aigw -n '__aigw_at \'daemon\'' -a 'stop' -d 'stop the daemon gracefully'
complete -c aigw -n '__aigw_at \'daemon\'' -a 'status' -d 'show pid, version, uptime, socket, gateway URL and secret store'
complete -c aigw -n '__aigw_at \'daemon\'' -a 'logs' -d 'print the daemon\'s log'
complete -c aigw -n '__aigw_at \'daemon start\'' -l gateway-listen -r -f -d 'where the gateway listens (default 127.0.0.1:9271, or AIGW_GATEWAY_LISTEN)'
complete -c aigw -n '__aigw_at \'daemon run\'' -l gateway-listen -r -f -d 'where the gateway listens (default 127.0.0.1:9271, or AIGW_GATEWAY_LISTEN)'
complete -c aigw -n '__aigw_at \'daemon logs\'' -s n -l lines -r -f -d 'how many lines from the end'
complete -c aigw -n '__aigw_at \'daemon logs\'' -s f -l follow -d 'keep printing new lines'
complete -c aigw -n '__aigw_at \'completion\'; and __aigw_pos 0' -f -a 'bash zsh fish' -d 'bash, zsh or fish'
complete -c aigw -n '__aigw_at \'help\'; and __aigw_pos_from 0' -f -a 'exit-codes environment provider-keys providers daemon doctor completion' -d 'a command (such as provider-keys create) or a topic'
