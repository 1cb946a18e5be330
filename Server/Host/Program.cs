using SocketIoChat.Host;

await SocketIoChatApp.Build(args).RunAsync();
