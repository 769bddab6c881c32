fn main() {
    switchyard_app::start();
}
